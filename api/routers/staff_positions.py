"""/staff/me/position: a member of staff's phone reports where they are (nearest-staff
routing of incidents, straight-line)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep, SessionDep
from api.routers.incidents import clock
from gis.incidents import positions

router = APIRouter(tags=["incidents"])


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lon: float
    lat: float
    crs: str | None = Field(None, max_length=64, description="wgs84 (default), gcj02, bd09")


@router.put("/staff/me/position", summary="Report my position (staff linked to my user)")
def report_position(request: Request, session: SessionDep, principal: PrincipalDep,
                    body: Position) -> dict:
    principal.require("incidents:write")
    return positions.report_position(session, principal=principal, lon=body.lon,
                                     lat=body.lat, crs=body.crs, now=clock(request))
