"""Versions of the people rows that PATCH/PUT routes change: households, persons, buildings,
special-population records (a trigger of migration 0011 moves them on at every change).

An edit first locks its row (FOR UPDATE), so concurrent edits of one row queue and each
applies on top of the last; then the version it was based on (If-Match), if any, must
still be the row's. Under row-level security a row outside the caller's area is not
found here; the service's own lookup then answers 404 as usual.
"""
from __future__ import annotations

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from gis.errors import StaleEdit

# kind -> (table, what a message calls one row); tables are fixed here, never from input
KINDS = {"household": "households", "person": "persons", "building": "buildings",
         "special": "special_population_records"}
NAMES = {"household": "household", "person": "person", "building": "building",
         "special": "special-population record"}


def _table(kind: str):
    return table(KINDS[kind], column("id"), column("version"))


def lock(session: Session, *, kind: str, row_id: int, expected: int | None) -> int | None:
    """Lock the row for this transaction; StaleEdit if it moved past `expected`.

    Returns its version, or None when the caller cannot see the row."""
    rows = _table(kind)
    current = session.execute(select(rows.c.version).where(rows.c.id == row_id)
                              .with_for_update()).scalar()
    if current is not None and expected is not None and current != expected:
        raise StaleEdit(f"{NAMES[kind]} {row_id} changed since you read it: it is at version "
                        f"{current}, your edit was based on version {expected}; reload it "
                        "and redo your edit", where="If-Match",
                        details={"current_version": current, "your_version": expected})
    return current


def version_of(session: Session, *, kind: str, row_id: int) -> int | None:
    """The row's version as this transaction sees it (after its own changes)."""
    rows = _table(kind)
    return session.execute(select(rows.c.version).where(rows.c.id == row_id)).scalar()
