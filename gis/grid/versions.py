"""Edit versions of cells and generations: what an If-Match is checked against, who edited.

Lock order, the same for every writer so that concurrent edits queue instead of
deadlocking: (1) the state advisory lock, taken only by create/discard/activate
(gis.grid.lifecycle.lock_state); (2) the draft's generation row, FOR NO KEY UPDATE
(lifecycle.require_draft, taken by every edit before it reads a cell); (3) cell rows. As
every writer of a draft's cells holds (2) first, two edits of one draft never wait for each
other's cell rows: they run one after the other, and the second reads what the first
committed. The version check below therefore runs under the lock: a stale edit is refused,
an edit without a version is applied on top of the last one (no lost update).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from gis.errors import NotFound, StaleEdit
from gis.grid.edits import CellChange, current_cell
from gis.grid.lifecycle import require_draft
from gis.grid.models import Cell, CellEdit, Generation


@dataclass(frozen=True)
class Expected:
    """The versions an edit was based on: of the generation, and of cells by code."""

    generation: int | None = None
    cells: dict[str, int] | None = None


def lock_draft(session: Session, *, generation_id: int,
               expected_version: int | None = None) -> Generation:
    """The draft, locked for this transaction's edits; StaleEdit if it changed since read."""
    draft = require_draft(session, generation_id=generation_id)
    if expected_version is not None and draft.version != expected_version:
        raise StaleEdit(
            f"generation {draft.id} changed since you read it: it is at version "
            f"{draft.version}{_by(draft.updated_by, draft.updated_at)}, your request was "
            f"based on version {expected_version}; reload it and try again",
            where="If-Match", details={"generation": draft.id, **_details(
                draft.version, expected_version, draft.updated_by, draft.updated_at)})
    return draft


def cell_versions(session: Session, *, generation_id: int, codes: list[str]) -> dict[str, int]:
    """The current version of each code that has a cell in the generation."""
    found = {}
    for code in codes:
        cell = current_cell(session, generation_id=generation_id, code=code)
        if cell is not None:
            found[code] = cell.version
    return found


def check_cells(session: Session, *, generation_id: int, expected: dict[str, int],
                current: dict[str, int]) -> None:
    """StaleEdit naming the first code (in code order) whose version moved on."""
    for code in sorted(expected):
        if code not in current:
            raise NotFound(f"cell {code} is not in generation {generation_id} (any more)",
                           where="code")
        if current[code] != expected[code]:
            last = latest_edit(session, generation_id=generation_id, code=code)
            who, when = (last.edited_by, last.edited_at) if last else (None, None)
            action = f"{last.action} " if last else "changed "
            raise StaleEdit(
                f"cell {code} changed since you read it: it is at version {current[code]} "
                f"({action.strip()}{_by(who, when)}), your edit was based on version "
                f"{expected[code]}; reload the cell and redo your edit",
                where="If-Match",
                details={"code": code, **_details(current[code], expected[code], who, when),
                         "action": last.action if last else None})


def latest_edit(session: Session, *, generation_id: int, code: str) -> CellEdit | None:
    return session.scalars(select(CellEdit).where(
        CellEdit.generation_id == generation_id, CellEdit.code == code)
        .order_by(CellEdit.id.desc()).limit(1)).first()


def record(session: Session, draft: Generation, changes: list[CellChange], *,
           before: dict[str, int], edited_by: str | None, op_id: int | None = None) -> None:
    """Write the history of these changes and move the draft's version on.

    A restored row (a redraw undone) is an old row brought back: it gets a fresh version,
    so an ETag read while the redraw stood does not match it."""
    changed = [c for c in changes if c.action != "unchanged"]
    for change in changed:
        version = None
        if change.action == "restored":
            version = session.execute(text(
                "UPDATE grid_cells SET version = nextval('grid_cell_version_seq') "
                "WHERE id = :id RETURNING version"), {"id": change.cell_id}).scalar_one()
        elif change.cell_id is not None:
            version = session.scalar(select(Cell.version).where(Cell.id == change.cell_id))
        session.add(CellEdit(generation_id=draft.id, code=change.code, action=change.action,
                             version=version, base_version=before.get(change.code),
                             edited_by=edited_by, op_id=op_id))
    if changed:
        session.flush()
        bump_generation(session, draft, edited_by=edited_by)
    session.expire_all()  # rows changed in SQL: later reads see their versions


def bump_generation(session: Session, generation: Generation, *,
                    edited_by: str | None) -> int:
    """One more change to the generation (its ETag moves on)."""
    version = session.execute(
        update(Generation).where(Generation.id == generation.id)
        .values(version=Generation.version + 1, updated_at=func.now(), updated_by=edited_by)
        .returning(Generation.version).execution_options(synchronize_session=False)
    ).scalar_one()
    session.expire(generation)
    return version


def history(session: Session, *, generation_id: int, code: str) -> list[CellEdit]:
    """Every recorded edit of the code in the draft, oldest first."""
    return list(session.scalars(select(CellEdit).where(
        CellEdit.generation_id == generation_id, CellEdit.code == code).order_by(CellEdit.id)))


def _by(who: str | None, when: dt.datetime | None) -> str:
    parts = ([f" by {who}"] if who else []) + ([f" at {when.isoformat()}"] if when else [])
    return "".join(parts)


def _details(current: int, yours: int, who: str | None, when: dt.datetime | None) -> dict:
    return {"current_version": current, "your_version": yours, "edited_by": who,
            "edited_at": when.isoformat() if when else None}
