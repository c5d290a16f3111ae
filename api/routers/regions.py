"""/regions: the district -> town -> village hierarchy as GeoJSON."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import PrincipalDep, SessionDep
from api.params import BBoxDep, PageDep, ZoomQuery, with_next
from gis.regions import service

router = APIRouter(tags=["regions"])


@router.get("/regions", summary="Regions as a GeoJSON FeatureCollection")
def list_regions(session: SessionDep, principal: PrincipalDep, bbox: BBoxDep, page: PageDep,
                 zoom: ZoomQuery = None,
                 level: Annotated[str | None, Query(pattern="^(district|town|village)$")] = None,
                 parent: Annotated[str | None, Query(pattern="^[0-9]{12}$")] = None, *,
                 request: Request) -> dict:
    principal.require("regions:read")
    result = service.regions_feature_collection(session, level=level, parent_code=parent,
                                                bbox=bbox, zoom=zoom, page=page)
    return with_next(request, result)
