"""The impact of an edit before it is saved: who changes cell, and each cell's balance.

The edit runs for real inside a savepoint (every check of a real edit applies: draft,
area, versions, geometry), the impact is read in one statement (gis/sql/edit_impact.sql)
and the savepoint is rolled back: nothing is written.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from gis.grid.edits import CellChange
from gis.sql import query

MOVED_LIMIT = 2_000  # points returned for the map; the counts are always complete


def band_of(households: int, band: tuple[int, int]) -> str:
    low, high = band
    return "under" if households < low else "over" if households > high else "within"


def preview(session: Session, *, generation_id: int, run: Callable[[], list[CellChange]],
            band: tuple[int, int]) -> dict:
    """The impact of `run` (an edit of the draft), which is rolled back."""
    savepoint = session.begin_nested()
    try:
        changes = run()
        return impact_of(session, generation_id=generation_id, changes=changes, band=band)
    finally:
        savepoint.rollback()
        session.expire_all()


def impact_of(session: Session, *, generation_id: int, changes: list[CellChange],
              band: tuple[int, int]) -> dict:
    """The impact of changes just written to the draft (their `before` states known)."""
    before: dict[str, bytes] = {}
    changed: list[str] = []
    for change in changes:
        if change.action == "unchanged" or change.code in changed:
            continue
        changed.append(change.code)
        if change.before is not None:
            before[change.code] = change.before.wkb
    row = session.execute(query("edit_impact"), {
        "generation_id": generation_id, "changed_codes": changed,
        "before_codes": list(before), "before_wkbs": list(before.values()),
        "moved_limit": MOVED_LIMIT}).one()
    cells = [{"code": c["code"],
              "before": {"households": c["households_before"], "persons": c["persons_before"],
                         "special_populations": c["special_before"]},
              "after": {"households": c["households_after"], "persons": c["persons_after"],
                        "special_populations": c["special_after"]},
              "band": band_of(c["households_after"], band) if c["exists_after"] else None}
             for c in row.cells]
    moved = {"type": "FeatureCollection", "features": row.moved}
    if row.moved_count > MOVED_LIMIT:
        moved["truncated"] = True
    return {"generation_id": generation_id, "cells": cells,
            "moves": {**row.moves, "staff_assignments": row.staff_assignments},
            "moved": moved,
            "shapes": {"type": "FeatureCollection", "features": row.shapes}}
