"""/search: the map's search box; cells, regions, buildings and households with a location."""
from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from gis.search.service import MAX_QUERY_CHARS, search

router = APIRouter(tags=["search"])


@router.get("/search", summary="Find cells, villages, buildings and households by what was typed",
            description="By cell or region code (prefix), name, address or household number. "
            "Buildings and households only for callers who may read households, in their "
            "area. Each result has a kind, a code, a name, its cell and a point (lon, lat).")
def search_places(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
                  q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
                  area: Annotated[str | None, Query(
                      pattern="^[0-9]{12}([0-9]{3})?$",
                      description="only results under this region (or cell) code")] = None,
                  limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict:
    principal.require("cells:read")
    hits = search(session, principal=principal, q=q, generation_id=generation.id,
                  area=area, limit=limit)
    return {"query": q, "results": [asdict(h) for h in hits]}
