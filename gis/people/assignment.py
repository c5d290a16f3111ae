"""Households and buildings to cells: bulk, by id (imports) and incrementally on redraws.

Persons have no cell of their own: they follow their household. Every statement is
set-based (see gis/sql/assign_*.sql); rollups of the cells touched are refreshed after.
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
    """What an assignment did: households looked at, changed, moved out of a cell, unlocated."""

    generation_id: int
    considered: int = 0
    changed: int = 0
    moved: int = 0
    unlocated: int = 0
    buildings_changed: int = 0
    touched_cell_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("generation_id", "considered", "changed", "moved",
                                              "unlocated", "buildings_changed")}


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


def assign_households(session: Session, *, generation_id: int | None = None,
                      household_ids: list[int] | None = None,
                      reason: str = "assignment", refresh: bool = True) -> AssignmentResult:
    """Put households (all, or the given ids) into the covering cell of a generation."""
    gen = _generation_id(session, generation_id)
    _no_jit(session)
    if household_ids is None:
        _bulk_memory(session)
    row = session.execute(query("assign_households"), {
        "generation_id": gen, "household_ids": household_ids, "reason": reason,
    }).mappings().one()
    touched = list(row["touched_cell_ids"] or [])
    if refresh and touched:
        rollups.refresh_cells(session, cell_ids=touched)
    return AssignmentResult(generation_id=gen, considered=row["considered"],
                            changed=row["changed"], moved=row["moved"],
                            unlocated=row["unlocated"], touched_cell_ids=touched)


def assign_buildings(session: Session, *, generation_id: int | None = None,
                     building_ids: list[int] | None = None) -> int:
    """Put buildings (all, or the given ids) into a cell by the households' rule; count changes."""
    gen = _generation_id(session, generation_id)
    row = session.execute(query("assign_buildings"), {
        "generation_id": gen, "building_ids": building_ids}).mappings().one()
    return row["changed"]


def reassign_changed_area(session: Session, *, old_generation_id: int,
                          new_generation_id: int) -> AssignmentResult:
    """Re-assign only the households and buildings whose cell rows differ between generations.

    Call it when a generation is activated (or a cell redrawn into a new generation); every
    household whose cell changes gets a household_moves row under the new generation."""
    params = {"old_generation_id": old_generation_id, "new_generation_id": new_generation_id}
    _no_jit(session)
    row = session.execute(query("assign_changed_area"), {
        **params, "reason": f"generation {new_generation_id} replaces {old_generation_id}",
    }).mappings().one()
    building_ids = session.execute(query("assign_buildings_changed"), params).scalar_one()
    buildings_changed = (assign_buildings(session, generation_id=new_generation_id,
                                          building_ids=list(building_ids))
                         if building_ids else 0)
    touched = list(row["touched_cell_ids"] or [])
    if touched:
        rollups.refresh_cells(session, cell_ids=touched)
    return AssignmentResult(generation_id=new_generation_id, considered=row["considered"],
                            changed=row["changed"], moved=row["moved"],
                            unlocated=row["unlocated"], buildings_changed=buildings_changed,
                            touched_cell_ids=touched)
