"""Grid edits stay in the editor's area: cells by code, proposals by region, drafts whole.

A scoped editor may add, redraw, remove, split and merge only cells whose codes are in
its area, propose only under a region inside it, and discard or activate a draft only
when every cell the draft changes is in its area (otherwise it would undo or publish
another area's edits). Creating a draft changes no area (it shares the active cells), so
it is not bound. Unrestricted callers (admins without an area) are not bound at all."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code, covers_region_code
from gis.errors import PermissionDenied

LISTED = 10  # codes named in a refusal; the count is complete


def require_cells(principal: Principal, codes: Iterable[str]) -> None:
    outside = sorted({c for c in codes if not covers_cell_code(principal, c)})
    if outside:
        raise PermissionDenied(f"{principal.username} may not edit cells outside their area: "
                               f"{', '.join(outside[:LISTED])}", where="code",
                               details={"outside": len(outside)})


def require_region(principal: Principal, region_code: str) -> None:
    if not covers_region_code(principal, region_code):
        raise PermissionDenied(f"{principal.username} may not propose cells for region "
                               f"{region_code}: it is outside their area", where="region")


def require_draft_changes(session: Session, principal: Principal, *,
                          generation_id: int, action: str) -> None:
    """Every cell the draft changed (rows it opened, and active rows it closed) in the area."""
    if principal.unrestricted:
        return
    codes = session.execute(text(
        "SELECT DISTINCT c.code FROM grid_cells AS c WHERE c.generation_low = :draft "
        "OR c.generation_high = (SELECT g.id FROM grid_generations AS g "
        "WHERE g.status = 'active' LIMIT 1)"), {"draft": generation_id}).scalars().all()
    outside = sorted(c for c in codes if not covers_cell_code(principal, c))
    if outside:
        raise PermissionDenied(f"{principal.username} may not {action} generation "
                               f"{generation_id}: it changes {len(outside)} cells outside "
                               f"their area ({', '.join(outside[:LISTED])})",
                               where="generation", details={"outside": len(outside)})
