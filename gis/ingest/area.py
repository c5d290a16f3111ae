"""Imports stay in the caller's area: regions by code prefix, features by where they lie.

A scoped planner may create or update only the regions under their own (a district or
town scope covers every code that starts with its prefix) and import layer cells and road
lines only inside their area. Rows outside become rejections of the report, so the usual
rule applies: a commit is refused unless skip_invalid. principal None (the CLI, run by an
operator) and callers without an area are unrestricted."""
from __future__ import annotations

import shapely
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_region_code
from gis.errors import NotFound
from gis.ingest.schemas import Rejection
from gis.sql import query

OUTSIDE_SHARE = 0.01  # of a feature's area or length that may stick out of the area


def restricted(principal: Principal | None) -> bool:
    return principal is not None and not principal.unrestricted


def regions_outside(principal: Principal | None, rows, *, field: str
                    ) -> tuple[list, list[Rejection]]:
    """Region rows (with .index and .code) split into (allowed, rejections)."""
    if not restricted(principal):
        return list(rows), []
    kept, rejected = [], []
    for row in rows:
        if covers_region_code(principal, row.code):
            kept.append(row)
        else:
            rejected.append(Rejection(index=row.index, field=field, reason=(
                f"region {row.code} is outside your area: you may import only regions "
                "under your own")))
    return kept, rejected


def features_outside(session: Session, principal: Principal | None,
                     geometries: dict[int, object]) -> list[Rejection]:
    """Rejections for the features (index -> WGS84 geometry) outside the caller's area."""
    if not restricted(principal) or not geometries:
        return []
    outside = session.execute(query("import_features_outside_area"), {
        "region_codes": list(principal.region_codes), "cell_codes": list(principal.cell_codes),
        "generation_id": _active_generation(session), "share": OUTSIDE_SHARE,
        "indexes": list(geometries),
        "wkbs": [shapely.to_wkb(g, hex=True) for g in geometries.values()]}).scalars().all()
    return [Rejection(index=i, field="geometry", reason="lies outside your area")
            for i in outside]


def _active_generation(session: Session) -> int | None:
    from gis.grid.generations import resolve_generation

    try:
        return resolve_generation(session).id
    except NotFound:
        return None
