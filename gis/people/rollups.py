"""Per-cell and per-region counts of households, residents and special populations."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import region_prefix
from gis.errors import InvalidInput
from gis.sql import query

LEVEL_CODE_LENGTH = {"district": 6, "town": 9, "village": 12, "cell": 15}


def refresh_cells(session: Session, *, cell_ids: list[int]) -> None:
    """Nothing to do: statement triggers keep cell_rollups current on every write, by
    adding what the changed rows contribute (migration 0027_rollup_deltas).

    Kept so that write paths written before the triggers (migration 0012_speed) need no
    change; use repair_cells to recompute cells by hand."""
    del session, cell_ids


def repair_cells(session: Session, *, cell_ids: list[int]) -> None:
    """Recompute the rollups of these cells (repair: the triggers normally keep them)."""
    ids = sorted({int(i) for i in cell_ids if i is not None})
    if ids:
        session.execute(text("SELECT onegrid_rollup_refresh(CAST(:cell_ids AS bigint[]))"),
                        {"cell_ids": ids})


def refresh_generation(session: Session, *, generation_id: int) -> int:
    """Recompute the rollups of every cell of a generation (repair only)."""
    ids = session.execute(text(
        "SELECT coalesce(array_agg(id), '{}') FROM grid_cells WHERE generation_low <= :g "
        "AND (generation_high IS NULL OR generation_high >= :g)"), {"g": generation_id}
    ).scalar_one()
    repair_cells(session, cell_ids=list(ids))
    return len(ids)


COUNTS = text(
    "SELECT r.cell_id, r.households, r.members, r.residents, r.special_total, r.special, "
    "r.by_concern FROM cell_rollups AS r JOIN grid_cells AS c ON c.id = r.cell_id "
    "WHERE c.generation_low <= :g AND (c.generation_high IS NULL OR c.generation_high >= :g)")


def repair_weights(session: Session) -> None:
    """Recount every household's weights (residents, special-population records by
    category, level and end date) that the rollup triggers read when households move
    (migration 0032_rollup_weights; repair only: the triggers keep them current)."""
    session.execute(text("SELECT onegrid_household_weights_rebuild()"))


def repair_generation(session: Session, *, generation_id: int) -> tuple[int, int]:
    """Recount every household's weights, then every cell of a generation, from scratch
    (repair only: the triggers keep the counts current). Returns (cells recounted, cells
    whose counts it corrected)."""
    repair_weights(session)
    before = {r[0]: tuple(r[1:]) for r in session.execute(COUNTS, {"g": generation_id})}
    recounted = refresh_generation(session, generation_id=generation_id)
    after = {r[0]: tuple(r[1:]) for r in session.execute(COUNTS, {"g": generation_id})}
    nothing = (0, 0, 0, 0, {}, {})  # a cell without a row yet counted nothing
    return recounted, sum(1 for cell, counts in after.items()
                          if before.get(cell, nothing) != counts)


def scope_prefixes(principal: Principal) -> list[str] | None:
    """The principal's area as LIKE patterns on cell codes (the rule of gis.auth.scope)."""
    if principal.unrestricted:
        return None
    return [region_prefix(c) + "%" for c in principal.region_codes] + list(principal.cell_codes)


def cell_rollups(session: Session, *, principal: Principal, generation_id: int,
                 region: str | None = None) -> list[dict]:
    prefix = region_prefix(region) if region else None
    rows = session.execute(query("rollup_cells"), {
        "generation_id": generation_id, "region_prefix": prefix,
        "scope_prefixes": scope_prefixes(principal)}).mappings().all()
    return [dict(r) for r in rows]


def region_rollups(session: Session, *, principal: Principal, generation_id: int,
                   level: str) -> list[dict]:
    if level not in LEVEL_CODE_LENGTH or level == "cell":
        raise InvalidInput(f"level must be district, town or village, got {level!r}",
                           where="level")
    rows = session.execute(query("rollup_regions"), {
        "generation_id": generation_id, "code_length": LEVEL_CODE_LENGTH[level],
        "scope_prefixes": scope_prefixes(principal)}).mappings().all()
    return [dict(r) | {"level": level} for r in rows]


# Special-population counts per cell or region: a handful of households per cell makes
# them close to personal data, so they go only to callers who may read persons.
SPECIAL_FIELDS = ("special_total", "special", "by_concern")


def visible_to(principal: Principal, items: list[dict]) -> list[dict]:
    """Rollup rows as the principal may see them (without SPECIAL_FIELDS unless
    persons:read); households, members and residents are plain counts for everyone."""
    if principal.can("persons:read"):
        return items
    return [{k: v for k, v in item.items() if k not in SPECIAL_FIELDS} for item in items]
