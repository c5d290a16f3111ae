"""/tiles/{layer}/{z}/{x}/{y}.pbf: Mapbox Vector Tiles of cells and regions.

GET requests are answered by api.tile_lane in front of FastAPI's router (one statement on
the asyncpg pool); the route below documents the endpoint (OpenAPI), serves HEAD, and runs
the same statement on the request's session when tests share theirs with the app."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import PrincipalDep, SessionDep
from gis.grid.tiles import LAYERS, MEDIA_TYPE, Tile, TileQuery, scoped_tile_sync

router = APIRouter(tags=["tiles"])


def tile_response(tile: Tile) -> Response:
    if not tile.data:
        return Response(status_code=204)
    return Response(tile.data, media_type=MEDIA_TYPE,
                    headers={"X-Generation": str(tile.generation_id)})


@router.get("/tiles/{layer}/{z}/{x}/{y}.pbf", summary="A Mapbox Vector Tile",
            description=f"Layers: {', '.join(LAYERS)}. Empty tiles answer 204.",
            response_class=Response)
def tile(session: SessionDep, principal: PrincipalDep, layer: str, z: int, x: int, y: int,
         generation: Annotated[int | None, Query(
             ge=1, le=2_147_483_647, description="generation id")] = None,
         at: Annotated[dt.date | None, Query(
             description="the generation in force on this date")] = None) -> Response:
    principal.require("cells:read")
    asked = TileQuery(layer=layer, z=z, x=x, y=y, generation_id=generation, at=at)
    return tile_response(scoped_tile_sync(session, asked))
