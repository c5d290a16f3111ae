"""Request bodies of the people API (pydantic); responses are plain dicts built by services."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from gis.text_guard import clean_text

Text200 = Field(default=None, max_length=200)


class CleanModel(BaseModel):
    """Every text field is normalised (NFC) and stripped of control and invisible characters
    before validation, so what is stored can be exported (XLSX refuses control characters)
    and compared."""

    @model_validator(mode="before")
    @classmethod
    def _clean_texts(cls, data):
        if not isinstance(data, dict):
            return data
        return {key: clean_text(value, where=str(key)) if isinstance(value, str) else value
                for key, value in data.items()}


class Located(CleanModel):
    """A location: coordinates in a declared CRS (default WGS84), or an explicit cell code."""

    lon: float | None = None
    lat: float | None = None
    crs: str | None = Field(default=None, max_length=100, examples=["EPSG:4326", "gcj02"])
    cell_code: str | None = Field(default=None, pattern="^[0-9]{15}$")

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        return self


class BuildingIn(CleanModel):
    code: str | None = Field(default=None, max_length=64)
    address: str = Field(min_length=1, max_length=200)
    name: str | None = Text200
    floors: int | None = Field(default=None, ge=1, le=200)
    lon: float
    lat: float
    crs: str | None = Field(default=None, max_length=100)


class BuildingUpdate(CleanModel):
    address: str | None = Field(default=None, min_length=1, max_length=200)
    name: str | None = Text200
    floors: int | None = Field(default=None, ge=1, le=200)


class HouseholdIn(Located):
    external_id: str = Field(min_length=1, max_length=64)
    address: str | None = Text200
    building_code: str | None = Field(default=None, max_length=64)
    members: int = Field(default=0, ge=0, le=100)


class HouseholdUpdate(CleanModel):
    address: str | None = Text200
    members: int | None = Field(default=None, ge=0, le=100)


class PersonIn(CleanModel):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=18, max_length=18)
    household_id: int | None = None
    phone: str | None = Field(default=None, max_length=30)
    residence: Literal["registered", "floating"] | None = None


class PersonUpdate(CleanModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    id_number: str | None = Field(default=None, min_length=18, max_length=18,
                                  description="a corrected ID number (validated, unique)")
    household_id: int | None = None
    phone: str | None = Field(default=None, max_length=30)
    residence: Literal["registered", "floating"] | None = None


class SpecialIn(CleanModel):
    person_id: int
    category_code: str = Field(max_length=64)
    concern_level: Literal["high", "medium", "low"]
    danger_level: int | None = Field(default=None, ge=0, le=5)
    helper_staff_id: int | None = None
    visit_interval_days: int | None = Field(default=None, ge=1, le=3660)
    start_date: dt.date | None = None
    note: str | None = Field(default=None, max_length=1000)


class SpecialUpdate(CleanModel):
    concern_level: Literal["high", "medium", "low"] | None = None
    danger_level: int | None = Field(default=None, ge=0, le=5)
    helper_staff_id: int | None = None
    visit_interval_days: int | None = Field(default=None, ge=1, le=3660)
    last_visited_on: dt.date | None = None
    end_date: dt.date | None = None
    note: str | None = Field(default=None, max_length=1000)
