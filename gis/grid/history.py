"""A draft's history as the editor shows it: one entry per edit (author, reason), undo, redo.

Every edit of a draft through gis.grid.edit_service is one EditOp: the codes it changed,
and each code's state before and after (shape and attributes; None where the code did not
exist). Undo writes the before states back, redo the after states; both check first that
the codes are still as the edit left them (else StaleEdit), so an undo never overwrites
work it does not know about. Undo runs from the newest edit down; an edit made after an
undo drops the undone ones (they can no longer be redone), as in any editor.
Proposals and repairs rewrite many cells: they are entries that cannot be undone, and
undo stops at them.
"""
from __future__ import annotations

import shapely
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gis.errors import Conflict, StaleEdit
from gis.grid.edits import CellChange, CellState, current_cell, remove_cell, state_of, write_cell
from gis.grid.models import EditOp, Generation
from gis.text_guard import clean_text

MAX_REASON = 500


def clean_reason(reason: str | None, *, where: str = "reason") -> str | None:
    """The reason as stored: text without control tricks, at most MAX_REASON characters."""
    if reason is None:
        return None
    cleaned = clean_text(reason, where=where, max_length=MAX_REASON).strip()
    return cleaned or None


def _state_json(state: CellState | None, version: int | None = None) -> dict | None:
    if state is None:
        return None
    return {"wkb": state.wkb.hex(), "attrs": state.attrs, "version": version}


def record_op(session: Session, draft: Generation, *, op: str, changes: list[CellChange],
              author: str | None, reason: str | None, undoable: bool = True) -> EditOp | None:
    """One history entry for these changes (None when nothing changed); drops undone edits."""
    changed = [c for c in changes if c.action != "unchanged"]
    if not changed:
        return None
    before: dict[str, dict | None] = {}
    for change in changed:  # the first change of a code holds its state before the edit
        before.setdefault(change.code, _state_json(change.before))
    after = {code: _current_json(session, draft.id, code) for code in before}
    session.execute(update(EditOp).where(EditOp.generation_id == draft.id,
                                         EditOp.undone.is_(True), EditOp.dropped.is_(False))
                    .values(dropped=True))
    seq = (session.scalar(select(func.max(EditOp.seq)).where(
        EditOp.generation_id == draft.id)) or 0) + 1
    entry = EditOp(generation_id=draft.id, seq=seq, op=op, codes=sorted(before), author=author,
                   reason=reason, before_cells=before if undoable else None,
                   after_cells=after if undoable else None)
    session.add(entry)
    session.flush()
    return entry


def record_barrier(session: Session, draft: Generation, *, op: str, codes: list[str],
                   author: str | None, reason: str | None = None) -> None:
    """An entry for an edit that cannot be undone (a proposal, a repair)."""
    if not codes:
        return
    session.execute(update(EditOp).where(EditOp.generation_id == draft.id,
                                         EditOp.undone.is_(True)).values(dropped=True))
    seq = (session.scalar(select(func.max(EditOp.seq)).where(
        EditOp.generation_id == draft.id)) or 0) + 1
    session.add(EditOp(generation_id=draft.id, seq=seq, op=op, codes=sorted(codes),
                       author=author, reason=reason))
    session.flush()


def _current_json(session: Session, generation_id: int, code: str) -> dict | None:
    cell = current_cell(session, generation_id=generation_id, code=code)
    return None if cell is None else _state_json(state_of(cell), cell.version)


def history(session: Session, *, generation_id: int) -> dict:
    entries = list(session.scalars(select(EditOp).where(
        EditOp.generation_id == generation_id).order_by(EditOp.seq)))
    return {"items": [{"seq": e.seq, "op": e.op, "codes": [c.strip() for c in e.codes],
                       "author": e.author, "reason": e.reason, "at": e.at.isoformat(),
                       "undone": e.undone} for e in entries],
            "can_undo": _undo_candidate(entries) is not None,
            "can_redo": _redo_candidate(entries) is not None}


def _undo_candidate(entries: list[EditOp]) -> EditOp | None:
    done = [e for e in entries if not e.undone]
    return done[-1] if done and done[-1].before_cells is not None else None


def _redo_candidate(entries: list[EditOp]) -> EditOp | None:
    redoable = [e for e in entries if e.undone and not e.dropped]
    return redoable[0] if redoable else None


def undo(session: Session, draft: Generation, *, check=None) -> tuple[EditOp, list[CellChange]]:
    """Write back the states before the newest edit not undone; (that edit, the changes).

    `check(entry)` runs before anything is written (the caller's area)."""
    entries = _entries(session, draft.id)
    entry = _undo_candidate(entries)
    if entry is None:
        done = [e for e in entries if not e.undone]
        raise Conflict("nothing to undo" if not done else
                       f"edit {done[-1].seq} ({done[-1].op}) cannot be undone",
                       where="history")
    if check is not None:
        check(entry)
    changes = _apply(session, draft, entry, expect=entry.after_cells, write=entry.before_cells)
    entry.undone = True
    session.flush()
    return entry, changes


def redo(session: Session, draft: Generation, *, check=None) -> tuple[EditOp, list[CellChange]]:
    """Write again the states after the oldest undone edit; (that edit, the changes)."""
    entry = _redo_candidate(_entries(session, draft.id))
    if entry is None:
        raise Conflict("nothing to redo", where="history")
    if check is not None:
        check(entry)
    changes = _apply(session, draft, entry, expect=entry.before_cells, write=entry.after_cells)
    entry.undone = False
    session.flush()
    return entry, changes


def _entries(session: Session, generation_id: int) -> list[EditOp]:
    return list(session.scalars(select(EditOp).where(EditOp.generation_id == generation_id)
                                .order_by(EditOp.seq).with_for_update()))


def _apply(session: Session, draft: Generation, entry: EditOp, *, expect: dict,
           write: dict) -> list[CellChange]:
    for code in sorted(expect):
        _check_state(session, draft.id, entry, code, expect[code])
    changes = []
    for code in sorted(write, key=lambda c: write[c] is not None):  # removals first
        state = write[code]
        if state is None:
            if current_cell(session, generation_id=draft.id, code=code) is not None:
                changes.append(remove_cell(session, generation_id=draft.id, code=code))
        else:
            changes.append(write_cell(session, draft, code=code,
                                      geom=shapely.from_wkb(bytes.fromhex(state["wkb"])),
                                      attrs=state["attrs"]))
    return changes


def _check_state(session: Session, generation_id: int, entry: EditOp, code: str,
                 expected: dict | None) -> None:
    cell = current_cell(session, generation_id=generation_id, code=code)
    if expected is None:
        matches = cell is None
    else:
        # normalised: a row brought back (edits._closed_twin) may start its ring elsewhere
        matches = cell is not None and shapely.equals_exact(
            shapely.normalize(shapely.from_wkb(state_of(cell).wkb)),
            shapely.normalize(shapely.from_wkb(bytes.fromhex(expected["wkb"]))), 0.0) \
            and state_of(cell).attrs == expected["attrs"]
    if not matches:
        raise StaleEdit(f"cell {code} changed outside the history since edit {entry.seq} "
                        f"({entry.op}); undo/redo of that edit would overwrite it",
                        where="history", details={"code": code, "seq": entry.seq})
