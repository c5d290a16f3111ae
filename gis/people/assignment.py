"""Households and buildings to cells: bulk, by id (imports) and incrementally on redraws.

A building is placed in the cell that covers its spot (building_cells). A household
located by its building is in the building's cell; one located by its coordinates (or by
hand) has a cell of its own (household_own_cells). Persons have no cell of their own:
they follow their household. The view household_cells reads either kind of placement.
Every statement is set-based (see gis/sql/assign_*.sql); rollups of the cells touched are
refreshed after.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.grid.generations import resolve_generation
from gis.people import rollups
from gis.sql import query


@dataclass(frozen=True)
class AssignmentResult:
    """What an assignment did.

    considered: households placed on their own that were looked at (those located by a
    building follow it: see buildings_*); changed: households whose own placement was
    written, plus those that moved with their building; moved: households that left a
    cell (each has a household_moves row); unlocated: households without a cell after it,
    either way; buildings_considered/buildings_changed: buildings looked at, and placed,
    moved or unplaced."""

    generation_id: int
    considered: int = 0
    changed: int = 0
    moved: int = 0
    unlocated: int = 0
    buildings_considered: int = 0
    buildings_changed: int = 0
    touched_cell_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("generation_id", "considered", "changed", "moved",
                                              "unlocated", "buildings_considered",
                                              "buildings_changed")}

    def __add__(self, other: AssignmentResult) -> AssignmentResult:
        numbers = {k: getattr(self, k) + getattr(other, k) for k in (
            "considered", "changed", "moved", "unlocated", "buildings_considered",
            "buildings_changed")}
        touched = sorted(set(self.touched_cell_ids) | set(other.touched_cell_ids))
        return AssignmentResult(generation_id=self.generation_id, touched_cell_ids=touched,
                                **numbers)


def _generation_id(session: Session, generation_id: int | None) -> int:
    return generation_id if generation_id is not None else resolve_generation(session).id


def _no_jit(session: Session) -> None:
    """Turn JIT off for the rest of this transaction.

    The planner overestimates point-in-polygon joins (millions of rows for 100k points),
    crosses jit_above_cost, and spends ~1.5 s compiling a statement that runs in well under
    a second at district size (measured with EXPLAIN ANALYZE, bench/assign.py)."""
    session.execute(text("SET LOCAL jit = off"))


# A bulk assignment sorts and hashes a row per household (DISTINCT ON, the joins with
# households); at the default 4MB those spill to disk in 16 batches at a million
# households. 64MB keeps them in memory; SET LOCAL ends with the transaction.
BULK_WORK_MEM = "64MB"


def _bulk_memory(session: Session) -> None:
    if BULK_WORK_MEM:
        session.execute(text("SELECT set_config('work_mem', :mem, true)"),
                        {"mem": BULK_WORK_MEM})


# Under row-level security the points are staged first (gis/sql/assign_households_points.sql).
STAGED_POINTS_INDEX = [text("CREATE INDEX ON own_points USING gist (geom)"),
                       text("ANALYZE own_points")]


def _own_placements(session: Session, *, generation_id: int,
                    household_ids: list[int] | None, reason: str) -> AssignmentResult:
    """Households placed on their own, in two statements with a temporary table between.

    Why not one: right after a large change of located_by in the same transaction (or
    before autovacuum has analyzed it), the planner believes that almost no household is
    placed on its own, and joined the hits to the households with a nested loop that
    re-read every hit for every household: over 7 minutes for a million, found by
    bench/assign.py. A temporary table with a primary key, analyzed, makes every plan
    linear: a hash join, or one index probe per household."""
    params = {"generation_id": generation_id, "household_ids": household_ids}
    # A few ids probe the pieces once each either way; only a bulk run needs the staging.
    if household_ids is None and session.scalar(
            text("SELECT row_security_active('households')")):
        session.execute(query("assign_households_points"), params)
        for statement in STAGED_POINTS_INDEX:
            session.execute(statement)
        session.execute(query("assign_households_hits_staged"), params)
        session.execute(text("DROP TABLE own_points"))
    else:
        session.execute(query("assign_households_hits"), params)
    session.execute(text("ALTER TABLE own_hits ADD PRIMARY KEY (household_id)"))
    session.execute(text("ANALYZE own_hits"))
    row = session.execute(query("assign_households"), {
        "generation_id": generation_id, "household_ids": household_ids, "reason": reason,
    }).mappings().one()
    session.execute(text("DROP TABLE own_hits"))
    return AssignmentResult(generation_id=generation_id, considered=row["considered"],
                            changed=row["changed"], moved=row["moved"],
                            unlocated=row["unlocated"],
                            touched_cell_ids=list(row["touched_cell_ids"]))


def assign_own_placements(session: Session, *, generation_id: int | None = None,
                          reason: str = "assignment") -> AssignmentResult:
    """Every household placed on its own (not by a building), in bulk: the part of
    assign_households that bench/assign_bulk.py compares with sjoin + write-back."""
    gen = _generation_id(session, generation_id)
    _no_jit(session)
    _bulk_memory(session)
    return _own_placements(session, generation_id=gen, household_ids=None, reason=reason)


def _refreshed(session: Session, result: AssignmentResult, refresh: bool) -> AssignmentResult:
    if refresh and result.touched_cell_ids:
        rollups.refresh_cells(session, cell_ids=result.touched_cell_ids)
    return result


def assign_households(session: Session, *, generation_id: int | None = None,
                      household_ids: list[int] | None = None,
                      reason: str = "assignment", refresh: bool = True) -> AssignmentResult:
    """Place households in the cells of a generation (default: the active one).

    Without household_ids: everything, i.e. every building (and with it the households it
    locates) and every household placed on its own (bulk). With ids: only those
    households that are placed on their own; a household located by its building follows
    the building (assign_buildings)."""
    gen = _generation_id(session, generation_id)
    _no_jit(session)
    if household_ids is not None:
        result = _own_placements(session, generation_id=gen, household_ids=household_ids,
                                 reason=reason)
        return _refreshed(session, result, refresh)
    _bulk_memory(session)
    result = assign_buildings(session, generation_id=gen, reason=reason, refresh=False)
    result += _own_placements(session, generation_id=gen, household_ids=None, reason=reason)
    return _refreshed(session, result, refresh)


def assign_buildings(session: Session, *, generation_id: int | None = None,
                     building_ids: list[int] | None = None, reason: str = "assignment",
                     refresh: bool = True) -> AssignmentResult:
    """Place buildings (all, or the given ids) in a cell; their households follow them."""
    gen = _generation_id(session, generation_id)
    _no_jit(session)
    row = session.execute(query("assign_buildings"), {
        "generation_id": gen, "building_ids": building_ids, "reason": reason,
    }).mappings().one()
    result = AssignmentResult(
        generation_id=gen, changed=row["households_moved"], moved=row["households_moved"],
        unlocated=row["households_unlocated"], buildings_considered=row["considered"],
        buildings_changed=row["changed"], touched_cell_ids=list(row["touched_cell_ids"]))
    return _refreshed(session, result, refresh)


def reassign_changed_area(session: Session, *, old_generation_id: int,
                          new_generation_id: int) -> AssignmentResult:
    """Re-place only the buildings and households whose cell rows differ between generations.

    Call it when a generation is activated (or a cell redrawn into a new generation); every
    household whose cell changes gets a household_moves row under the new generation."""
    params = {"old_generation_id": old_generation_id, "new_generation_id": new_generation_id}
    reason = f"generation {new_generation_id} replaces {old_generation_id}"
    _no_jit(session)
    building_ids = session.execute(query("assign_buildings_changed"), params).scalar_one()
    result = (assign_buildings(session, generation_id=new_generation_id,
                               building_ids=list(building_ids), reason=reason, refresh=False)
              if building_ids else AssignmentResult(generation_id=new_generation_id))
    row = session.execute(query("assign_changed_area"), {
        **params, "reason": reason}).mappings().one()
    result += AssignmentResult(generation_id=new_generation_id, considered=row["considered"],
                               changed=row["changed"], moved=row["moved"],
                               unlocated=row["unlocated"],
                               touched_cell_ids=list(row["touched_cell_ids"] or []))
    return _refreshed(session, result, True)
