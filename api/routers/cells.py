"""/cells: the cells of a generation as GeoJSON (bbox, paging, simplification by zoom)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import PrincipalDep, SessionDep
from api.params import BBoxDep, GenerationDep, PageDep, ZoomQuery, with_next
from api.versions import set_etag
from gis.grid import service
from gis.grid.features import cell_feature

router = APIRouter(tags=["cells"])


@router.get("/cells", summary="Cells as a GeoJSON FeatureCollection")
def list_cells(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
               bbox: BBoxDep, page: PageDep, zoom: ZoomQuery = None,
               region: Annotated[str | None, Query(
                   pattern="^[0-9]{6,12}$",
                   description="only cells under this region code (prefix)")] = None, *,
               request: Request) -> dict:
    principal.require("cells:read")
    prefix = region.rstrip("0") if region else None
    result = service.cells_feature_collection(session, generation_id=generation.id, bbox=bbox,
                                              region_prefix=prefix, zoom=zoom, page=page)
    return with_next(request, result)


@router.get("/cells/{code}", summary="One cell as a GeoJSON Feature (its ETag: its version)")
def get_cell(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
             code: Annotated[str, Path(pattern="^[0-9]{15}$")], response: Response) -> dict:
    principal.require("cells:read")
    feature = cell_feature(session, generation_id=generation.id, code=code)
    set_etag(response, feature["properties"]["version"])
    return feature
