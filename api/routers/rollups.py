"""/rollups: households, residents and special populations per cell and per region."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from gis.people import rollups

router = APIRouter(tags=["people"])


@router.get("/rollups/cells", summary="Counts for every cell of a generation (map colouring); "
            "special-population counts only with persons:read")
def cell_rollups(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
                 region: Annotated[str | None, Query(pattern="^[0-9]{6,12}$")] = None) -> dict:
    principal.require("households:read")
    items = rollups.visible_to(principal, rollups.cell_rollups(
        session, principal=principal, generation_id=generation.id, region=region))
    return {"generation": generation.id, "items": items, "numberReturned": len(items)}


@router.get("/rollups/regions", summary="Counts per district, town or village")
def region_rollups(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
                   level: Annotated[str, Query(pattern="^(district|town|village)$")] = "village",
                   ) -> dict:
    principal.require("households:read")
    items = rollups.visible_to(principal, rollups.region_rollups(
        session, principal=principal, generation_id=generation.id, level=level))
    return {"generation": generation.id, "level": level, "items": items,
            "numberReturned": len(items)}
