"""/locate: point -> cell, village, town, district."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from gis.grid import service

router = APIRouter(tags=["cells"])


@router.get("/locate", summary="The cell and regions that cover a point")
def locate(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
           lon: Annotated[float, Query(ge=-180, le=180)],
           lat: Annotated[float, Query(ge=-90, le=90)]) -> dict:
    principal.require("cells:read")
    return service.locate(session, lon=lon, lat=lat, generation_id=generation.id)
