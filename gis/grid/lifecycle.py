"""Generation lifecycle, MapIt-style: create a draft, activate it (the old one retires), discard it.

Cells are valid over [generation_low, generation_high] (NULL high = still valid). A new
draft copies nothing: every open-ended cell of the active generation is valid in the
draft too, because the draft's id is larger. Editing a cell in the draft closes the shared
row at the active generation and opens a new row from the draft on (see gis.grid.edits).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from gis.errors import ActivationRefused, Conflict, GenerationLocked, InvalidInput, NotFound
from gis.grid.models import Cell, Generation
from gis.settings import GridSettings
from gis.text_guard import clean_name, clean_text

# Transaction-scoped advisory lock taken by every change of generation state, so two
# planners cannot both create a draft or activate at the same moment.
STATE_LOCK = 0x6F6E6567  # "oneg"


def lock_state(session: Session) -> None:
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STATE_LOCK})


def get_generation(session: Session, *, generation_id: int) -> Generation:
    found = session.get(Generation, generation_id)
    if found is None:
        raise NotFound(f"generation {generation_id} does not exist", where="generation")
    return found


def list_generations(session: Session) -> list[Generation]:
    return list(session.scalars(select(Generation).order_by(Generation.id)))


def active_generation(session: Session) -> Generation | None:
    return session.scalars(select(Generation).where(Generation.status == "active")).first()


def draft_generation(session: Session) -> Generation | None:
    return session.scalars(select(Generation).where(Generation.status == "draft")).first()


def require_draft(session: Session, *, generation_id: int) -> Generation:
    """The generation if it is a draft; GenerationLocked for active and retired ones.

    FOR NO KEY UPDATE holds the row until the edit commits: edits of one draft run one
    after the other (each reads what the one before committed: no lost update, and no
    deadlock between two edits' cell rows), an activation waits for edits in flight, and
    an edit that starts later sees it active. It does not block the foreign-key checks of
    new cell rows (FOR KEY SHARE). The lock order is in gis.grid.versions."""
    generation = session.scalars(
        select(Generation).where(Generation.id == generation_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)).first()
    if generation is None:
        raise NotFound(f"generation {generation_id} does not exist", where="generation")
    if generation.status != "draft":
        raise GenerationLocked(f"generation {generation.id} is {generation.status}: only a "
                               "draft can be changed; create a draft and edit that",
                               where="generation", details={"generation": generation.id,
                                                            "status": generation.status})
    return generation


def closing_generation_id(session: Session) -> int | None:
    """The generation at which a draft's edits close shared rows: the active one."""
    active = active_generation(session)
    return active.id if active else None


def create_draft(session: Session, *, name: str, created_by: str | None = None,
                 note: str | None = None) -> Generation:
    """A new draft sharing every cell of the active generation (no rows are copied)."""
    if not name or not name.strip():
        raise InvalidInput("a generation needs a name", where="name")
    name = clean_name(name, where="name")
    note = clean_text(note, where="note") if note else note
    lock_state(session)
    existing = draft_generation(session)
    if existing is not None:
        raise Conflict(f"generation {existing.id} ({existing.name!r}) is already a draft: "
                       "edit, activate or discard it first", where="generation",
                       details={"draft": existing.id})
    draft = Generation(name=name, status="draft", created_by=created_by, note=note,
                       created_at=func.now())
    session.add(draft)
    session.flush()
    session.refresh(draft)
    return draft


def discard_draft(session: Session, *, generation_id: int) -> dict:
    """Delete a draft: its own rows go, rows it closed are reopened, the generation goes."""
    lock_state(session)
    draft = require_draft(session, generation_id=generation_id)
    closing = closing_generation_id(session)
    deleted = session.execute(
        Cell.__table__.delete().where(Cell.generation_low == draft.id)).rowcount
    reopened = 0
    if closing is not None:
        # Only a draft's edits close rows at the active generation, so these are ours.
        reopened = session.execute(update(Cell).where(Cell.generation_high == closing)
                                   .values(generation_high=None)).rowcount
    session.delete(draft)
    session.flush()
    return {"generation": generation_id, "cells_deleted": deleted, "cells_reopened": reopened}


def activate(session: Session, *, generation_id: int, grid: GridSettings,
             effective_from: dt.date | None = None) -> dict:
    """Make a draft the active generation, refusing while blocking findings remain."""
    from gis.grid.validation import validate_generation

    lock_state(session)
    draft = require_draft(session, generation_id=generation_id)
    report = validate_generation(session, generation_id=draft.id, grid=grid)
    if report.blocking:
        raise ActivationRefused(
            f"generation {draft.id} has {len(report.blocking)} blocking finding(s); "
            "fix them before activating", where="generation",
            details={"findings": [f.message for f in report.blocking],
                     "findings_zh": [f.message_zh for f in report.blocking],
                     "codes": sorted({c for f in report.blocking for c in f.codes})})
    effective_from = effective_from or dt.date.today()
    previous = active_generation(session)
    if previous is not None:
        if previous.effective_from and effective_from <= previous.effective_from:
            raise InvalidInput(f"effective_from {effective_from} must be after "
                               f"{previous.effective_from}, when generation {previous.id} "
                               "took effect", where="effective_from")
        previous.status = "retired"
        previous.effective_to = effective_from - dt.timedelta(days=1)
        previous.version += 1  # its ETag moves on with its status
        session.flush()  # retire first: at most one active generation (unique index)
    draft.status = "active"
    draft.effective_from = effective_from
    draft.activated_at = draft.updated_at = session.execute(select(func.now())).scalar_one()
    draft.version += 1
    session.flush()
    moves = _reassign(session, previous_id=previous.id if previous else None, new_id=draft.id)
    return {"generation": draft.id, "retired": previous.id if previous else None,
            "effective_from": effective_from.isoformat(), "version": draft.version,
            "households_moved": moves.changed,
            "households_unlocated": moves.unlocated, "buildings_moved": moves.buildings_changed,
            "warnings": len(report.findings)}


def _reassign(session: Session, *, previous_id: int | None, new_id: int):
    """Only the changed area when a generation replaces another; everything the first time."""
    from gis.people.assignment import assign_households, reassign_changed_area

    if previous_id is not None:
        return reassign_changed_area(session, old_generation_id=previous_id,
                                     new_generation_id=new_id)
    # every building (and the households it locates) and every household on its own
    return assign_households(session, generation_id=new_id,
                             reason=f"generation {new_id} activated")


def generation_summary(session: Session, generation: Generation) -> dict:
    """What a list shows: the generation's dates and status, and how many cells it has."""
    cells = session.execute(text(
        "SELECT count(*) FROM grid_cells WHERE generation_low <= :g "
        "AND (generation_high IS NULL OR generation_high >= :g)"),
        {"g": generation.id}).scalar_one()
    return {"id": generation.id, "name": generation.name, "status": generation.status,
            "created_at": generation.created_at.isoformat() if generation.created_at else None,
            "created_by": generation.created_by,
            "activated_at": (generation.activated_at.isoformat()
                             if generation.activated_at else None),
            "effective_from": (generation.effective_from.isoformat()
                               if generation.effective_from else None),
            "effective_to": (generation.effective_to.isoformat()
                             if generation.effective_to else None),
            "note": generation.note, "cells": cells, "version": generation.version,
            "updated_at": generation.updated_at.isoformat() if generation.updated_at else None,
            "updated_by": generation.updated_by}
