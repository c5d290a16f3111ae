"""/tiles/{layer}/{z}/{x}/{y}.pbf: Mapbox Vector Tiles of cells and regions."""
from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from gis.grid.tiles import LAYERS, MEDIA_TYPE, vector_tile

router = APIRouter(tags=["tiles"])


@router.get("/tiles/{layer}/{z}/{x}/{y}.pbf", summary="A Mapbox Vector Tile",
            description=f"Layers: {', '.join(LAYERS)}. Empty tiles answer 204.",
            response_class=Response)
def tile(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
         layer: str, z: int, x: int, y: int) -> Response:
    principal.require("cells:read")
    data = vector_tile(session, layer=layer, z=z, x=x, y=y, generation_id=generation.id)
    if not data:
        return Response(status_code=204)
    return Response(data, media_type=MEDIA_TYPE,
                    headers={"X-Generation": str(generation.id)})
