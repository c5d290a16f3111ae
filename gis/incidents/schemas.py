"""Pydantic shapes of dispatch: a report coming in, a transition asked for."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

Source = Literal["patrol", "hotline", "citizen", "camera", "sensor", "other"]


class IncidentReport(BaseModel):
    """A new report: what, where (a point in any supported CRS, or a building), by whom."""

    model_config = ConfigDict(extra="forbid")

    source: Source = Field(description="patrol, hotline (12345), citizen, camera, sensor, "
                                       "other (another system)")
    category: str = Field(max_length=64, description="category code, e.g. street_order.vendor")
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    lon: float | None = Field(None, description="longitude (or easting for a projected crs)")
    lat: float | None = Field(None, description="latitude (or northing)")
    crs: str | None = Field(None, max_length=64,
                            description="wgs84 (default), gcj02, bd09 or EPSG:xxxx")
    building_id: int | None = Field(None, ge=1, description="instead of lon/lat")
    address: str | None = Field(None, max_length=500, description="a standard address: kept, "
                                "and matched to a building when no lon/lat or building_id")
    media_url: HttpUrl | None = Field(None, description="a photo already online (http/https)")
    reported_at: dt.datetime | None = Field(
        None, description="when it was reported (default now); the generation in force then "
                          "places it")
    external_ref: str | None = Field(None, max_length=100, description="e.g. the 12345 ticket")
    reporter: dict[str, str] = Field(default_factory=dict, max_length=10,
                                     description="contact of the reporter (personal data)")
    attributes: dict[str, str | list[str]] = Field(
        default_factory=dict, max_length=50,
        description="answers to the category's questions (GET /open311/v2/services/{code})")

    @model_validator(mode="after")
    def _one_location(self) -> IncidentReport:
        has_point = self.lon is not None or self.lat is not None
        if has_point and (self.lon is None or self.lat is None):
            raise ValueError("give both lon and lat")
        if has_point and self.building_id is not None:
            raise ValueError("give the location as lon/lat or as building_id, not both")
        if not has_point and self.building_id is None and not (self.address or "").strip():
            raise ValueError("give the location as lon/lat, as building_id, or as an "
                             "address (matched to a building)")
        if self.reported_at is not None and self.reported_at.tzinfo is None:
            raise ValueError("reported_at needs a time zone, e.g. 2026-10-08T09:00:00+08:00")
        return self


class TransitionRequest(BaseModel):
    """One action on a case (the console's buttons)."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(max_length=32, description="register, reject, dispatch, handle, "
                        "feedback, verify, close, evaluate, return, escalate, reopen, merge")
    note: str | None = Field(None, max_length=2000, description="why (required for reject, "
                             "return, escalate, reopen, merge)")
    version: int | None = Field(None, ge=1, description="the version your change is based on "
                                "(or If-Match)")
    assignee_id: int | None = Field(None, ge=1, description="dispatch: the staff member")
    into_id: int | None = Field(None, ge=1, description="merge: the case that survives")
    evaluation: int | None = Field(None, ge=1, le=5, description="evaluate: 1 to 5")


class Relocation(BaseModel):
    """A corrected position of a case: lon/lat in a CRS, or a building; and why."""

    model_config = ConfigDict(extra="forbid")

    lon: float | None = None
    lat: float | None = None
    crs: str | None = Field(None, max_length=64)
    building_id: int | None = Field(None, ge=1)
    note: str = Field(min_length=1, max_length=2000, description="why it moved")
    version: int | None = Field(None, ge=1, description="the version it is based on")

    @model_validator(mode="after")
    def _one_location(self) -> Relocation:
        has_point = self.lon is not None and self.lat is not None
        if has_point == (self.building_id is not None):
            raise ValueError("give the new location as lon/lat or as building_id")
        return self
