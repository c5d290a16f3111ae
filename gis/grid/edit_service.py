"""Draft edits as a caller asks for them: within the caller's area, against the versions
they read (If-Match), recorded in the edit history (gis.grid.versions).

The geometry work is gis.grid.edits; this module only wraps it: lock the draft, check the
area and the versions, edit, record. A principal with no area limit (an administrator)
edits anywhere; a planner of a town edits the cells of that town only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from shapely.geometry import LineString, Polygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code, covers_region_code
from gis.errors import InvalidInput, PermissionDenied
from gis.grid import edits, history, lifecycle, versions
from gis.grid.edits import CellChange
from gis.grid.versions import Expected
from gis.settings import GridSettings

SHOWN_CODES = 5  # codes named in a refusal; the count says how many there are in all


def add_cell(session: Session, *, principal: Principal, generation_id: int, code: str,
             geom: Polygon, attrs: dict, expected: Expected = Expected(),
             reason: str | None = None) -> CellChange:
    return _edit(session, principal=principal, generation_id=generation_id, codes=[code],
                 expected=expected, op="add", reason=reason, run=lambda: [edits.add_cell(
                     session, generation_id=generation_id, code=code, geom=geom,
                     attrs=attrs)])[0]


def redraw_cell(session: Session, *, principal: Principal, generation_id: int, code: str,
                geom: Polygon, attrs: dict, expected: Expected = Expected(),
                reason: str | None = None) -> CellChange:
    return _edit(session, principal=principal, generation_id=generation_id, codes=[code],
                 expected=expected, op="redraw", reason=reason, run=lambda: [edits.redraw_cell(
                     session, generation_id=generation_id, code=code, geom=geom,
                     attrs=attrs)])[0]


def remove_cell(session: Session, *, principal: Principal, generation_id: int, code: str,
                expected: Expected = Expected(), reason: str | None = None) -> CellChange:
    return _edit(session, principal=principal, generation_id=generation_id, codes=[code],
                 expected=expected, op="remove", reason=reason, run=lambda: [edits.remove_cell(
                     session, generation_id=generation_id, code=code)])[0]


def split_cell(session: Session, *, principal: Principal, generation_id: int, code: str,
               line: LineString, expected: Expected = Expected(),
               reason: str | None = None) -> list[CellChange]:
    return _edit(session, principal=principal, generation_id=generation_id, codes=[code],
                 expected=expected, op="split", reason=reason, run=lambda: edits.split_cell(
                     session, generation_id=generation_id, code=code, line=line))


def merge_cells(session: Session, *, principal: Principal, generation_id: int,
                codes: list[str], expected: Expected = Expected(),
                reason: str | None = None) -> list[CellChange]:
    return _edit(session, principal=principal, generation_id=generation_id,
                 codes=sorted(set(codes)), expected=expected, op="merge", reason=reason,
                 run=lambda: edits.merge_cells(
                     session, generation_id=generation_id, codes=codes))


def propose(session: Session, *, principal: Principal, generation_id: int, region_code: str,
            band: tuple[int, int], expected: Expected = Expected()) -> dict:
    """Cells proposed for the villages under a region the caller's area covers whole."""
    from gis.grid.propose_service import propose_for_region

    if not covers_region_code(principal, region_code):
        raise PermissionDenied(f"region {region_code} is not (wholly) in your area: propose "
                               "cells only for a region you look after", where="region")
    draft = versions.lock_draft(session, generation_id=generation_id,
                                expected_version=expected.generation)
    summary = propose_for_region(session, generation_id=draft.id, region_code=region_code,
                                 band=band)
    history.record_barrier(session, draft, op="propose", codes=[region_code],
                           author=principal.username)
    summary["version"] = versions.bump_generation(session, draft, edited_by=principal.username)
    return summary


def activate(session: Session, *, principal: Principal, generation_id: int,
             grid: GridSettings, effective_from: dt.date | None = None,
             expected: Expected = Expected()) -> dict:
    """Activate the draft (as reviewed, with If-Match) if every change is in the caller's area."""
    lifecycle.lock_state(session)  # first, as lifecycle.activate takes it: one lock order
    draft = versions.lock_draft(session, generation_id=generation_id,
                                expected_version=expected.generation)
    _require_changes_in_area(session, principal, draft.id, doing="activate")
    result = lifecycle.activate(session, generation_id=draft.id, grid=grid,
                                effective_from=effective_from)
    draft.updated_by = principal.username
    session.flush()
    return result


def discard(session: Session, *, principal: Principal, generation_id: int,
            expected: Expected = Expected()) -> dict:
    """Discard the draft if every change it holds is in the caller's area."""
    lifecycle.lock_state(session)
    draft = versions.lock_draft(session, generation_id=generation_id,
                                expected_version=expected.generation)
    _require_changes_in_area(session, principal, draft.id, doing="discard")
    return lifecycle.discard_draft(session, generation_id=draft.id)


def repair(session: Session, *, principal: Principal, generation_id: int,
           expected: Expected = Expected()) -> dict:
    """Node the draft's cells on the precision grid (gis.grid.noding), if the caller's area
    covers what the draft changed and what the repair changes; the version moves on."""
    from gis.grid.noding import repair_generation

    draft = versions.lock_draft(session, generation_id=generation_id,
                                expected_version=expected.generation)
    _require_changes_in_area(session, principal, draft.id, doing="repair")
    result = repair_generation(session, generation_id=draft.id)
    _require_area(principal, result["changed_codes"])
    history.record_barrier(session, draft, op="repair", codes=result["changed_codes"],
                           author=principal.username)
    result["version"] = versions.bump_generation(session, draft, edited_by=principal.username)
    return result


def _edit(session: Session, *, principal: Principal, generation_id: int, codes: list[str],
          expected: Expected, run: Callable[[], list[CellChange]], op: str,
          reason: str | None = None) -> list[CellChange]:
    """Lock, check area and versions, run the edit, record it (ledger and history)."""
    reason = history.clean_reason(reason)
    unknown = sorted(set(expected.cells or {}) - set(codes))
    if unknown:
        raise InvalidInput(f"versions name {', '.join(unknown)}, which this edit does not "
                           "touch", where="versions")
    draft = versions.lock_draft(session, generation_id=generation_id,
                                expected_version=expected.generation)
    _require_area(principal, codes)
    before = versions.cell_versions(session, generation_id=draft.id, codes=codes)
    versions.check_cells(session, generation_id=draft.id, expected=expected.cells or {},
                         current=before)
    changes = run()
    _require_area(principal, [change.code for change in changes])  # new codes of a split
    entry = history.record_op(session, draft, op=op, changes=changes,
                              author=principal.username, reason=reason)
    versions.record(session, draft, changes, before=before, edited_by=principal.username,
                    op_id=entry.id if entry else None)
    return changes


def _require_area(principal: Principal, codes: Iterable[str]) -> None:
    outside = sorted({code for code in codes if not covers_cell_code(principal, code)})
    if outside:
        raise PermissionDenied(
            f"{principal.username} may not edit {_codes(outside)}: outside your area",
            where="code", details={"outside_area": outside[:SHOWN_CODES]})


def _require_changes_in_area(session: Session, principal: Principal, draft_id: int, *,
                             doing: str) -> None:
    if principal.unrestricted:
        return
    changed = changed_codes(session, draft_id=draft_id)
    outside = [code for code in changed if not covers_cell_code(principal, code)]
    if outside:
        raise PermissionDenied(
            f"{principal.username} may not {doing} generation {draft_id}: it changes "
            f"{_codes(outside)} outside your area; someone whose area covers them must",
            where="generation", details={"outside_area": outside[:SHOWN_CODES],
                                         "outside_area_count": len(outside)})


def changed_codes(session: Session, *, draft_id: int) -> list[str]:
    """Codes the draft adds, redraws or removes: its own rows and the rows it closed.

    With no active generation every cell of the draft is new (the first activation)."""
    return list(session.execute(text(
        "SELECT DISTINCT trim(code) FROM grid_cells WHERE generation_low = :draft "
        "OR generation_high = (SELECT id FROM grid_generations WHERE status = 'active') "
        "ORDER BY 1"), {"draft": draft_id}).scalars())


def _codes(codes: list[str]) -> str:
    shown = ", ".join(codes[:SHOWN_CODES])
    more = len(codes) - SHOWN_CODES
    return f"cell {shown}" if len(codes) == 1 else (
        f"cells {shown}" + (f" and {more} more" if more > 0 else ""))
