"""/locate: point -> cell, village, town, district (coordinates in WGS84 or a declared CRS)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from gis.grid import service

router = APIRouter(tags=["cells"])


@router.get("/locate", summary="The cell and regions that cover a point")
def locate(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
           lon: Annotated[float, Query(description="longitude, or easting for a projected crs")],
           lat: Annotated[float, Query(description="latitude, or northing for a projected crs")],
           crs: Annotated[str | None, Query(
               max_length=64, description="wgs84 (default), gcj02 (Amap/Tencent), "
                                          "bd09 (Baidu) or EPSG:xxxx")] = None) -> dict:
    principal.require("cells:read")
    return service.locate(session, lon=lon, lat=lat, generation_id=generation.id, crs=crs)
