"""The editor's edits of a draft: redraw with neighbours following, paint buildings, undo,
redo. Each is checked and recorded like every edit (gis.grid.edit_service._edit)."""
from __future__ import annotations

from shapely.geometry import Point, Polygon
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_region_code
from gis.errors import InvalidInput, NotFound, PermissionDenied
from gis.grid import edits, follow, history, versions
from gis.grid.edit_service import _edit, _require_area
from gis.grid.edits import CellChange
from gis.grid.noding import cells_of
from gis.grid.versions import Expected
from gis.sql import query

MAX_PAINTED = 5_000  # buildings in one paint: a street block, not a town


def redraw_follow(session: Session, *, principal: Principal, generation_id: int, code: str,
                  geom: Polygon, attrs: dict, expected: Expected = Expected(),
                  reason: str | None = None) -> list[CellChange]:
    """Redraw `code`; its neighbours in the same village follow (gis.grid.follow)."""
    def run() -> list[CellChange]:
        draft = versions.lock_draft(session, generation_id=generation_id)
        current = edits.current_cell(session, generation_id=draft.id, code=code)
        if current is None:
            raise NotFound(f"cell {code} is not in generation {draft.id}", where="code")
        old = edits.cell_shape(current)
        # a cell never straddles two villages: only the village's own cells follow
        neighbours = {c: shape for c, shape in cells_of(
            session, generation_id=draft.id, near=old, excluding={code}).items()
            if c[:12] == code[:12]}
        shapes = follow.follow_redraw(code=code, old=old, drawn=geom, neighbours=neighbours)
        cells = [(c, shape, attrs if c == code else {}) for c, shape in shapes.items()]
        return edits.write_noded(session, draft, cells)

    return _edit(session, principal=principal, generation_id=generation_id,
                 codes=sorted({code, *(expected.cells or {})}), expected=expected,
                 op="redraw", reason=reason, run=run)


def paint(session: Session, *, principal: Principal, generation_id: int, to: str,
          buildings: list[int], expected: Expected = Expected(),
          reason: str | None = None) -> list[CellChange]:
    """Move the buildings (and the area around each) into the neighbouring cell `to`."""
    if not buildings:
        raise InvalidInput("name at least one building to paint", where="buildings")
    if len(buildings) > MAX_PAINTED:
        raise InvalidInput(f"{len(buildings)} buildings in one paint; the limit is "
                           f"{MAX_PAINTED}", where="buildings")

    def run() -> list[CellChange]:
        draft = versions.lock_draft(session, generation_id=generation_id)
        target = edits.current_cell(session, generation_id=draft.id, code=to)
        if target is None:
            raise NotFound(f"cell {to} is not in generation {draft.id}", where="to")
        painted, others = _buildings(session, draft.id, buildings)
        painted.pop(to, None)  # already in `to`: nothing to move
        if not painted:
            return []
        elsewhere = sorted(b for code, spots in painted.items() if code[:12] != to[:12]
                           for b in spots)
        if elsewhere:  # a cell never straddles two villages
            raise InvalidInput(f"buildings {', '.join(map(str, elsewhere[:10]))} are in "
                               f"another village than cell {to}", where="buildings",
                               details={"buildings": elsewhere[:50]})
        _require_area(principal, painted)
        sources = {code: edits.cell_shape(edits.current_cell(
            session, generation_id=draft.id, code=code)) for code in painted}
        regions = {code: {b: region for b, region in follow.building_regions(
            sources[code], {**spots, **others.get(code, {})}).items() if b in spots}
            for code, spots in painted.items()}
        shapes = follow.paint(to=to, to_shape=edits.cell_shape(target), sources=sources,
                              painted=regions)
        return edits.write_noded(session, draft, [(c, s, {}) for c, s in shapes.items()])

    return _edit(session, principal=principal, generation_id=generation_id,
                 codes=sorted({to, *(expected.cells or {})}), expected=expected, op="paint",
                 reason=reason, run=run)


def _buildings(session: Session, draft_id: int, ids: list[int]
               ) -> tuple[dict[str, dict[int, Point]], dict[str, dict[int, Point]]]:
    """(painted buildings' spots by their cell, the other buildings of those cells)."""
    rows = session.execute(query("paint_buildings"),
                           {"generation_id": draft_id, "building_ids": sorted(set(ids))}).all()
    found = {row.id for row in rows if row.painted}
    missing = sorted(set(ids) - found)
    if missing:
        raise InvalidInput(f"buildings {', '.join(map(str, missing[:10]))} do not exist",
                           where="buildings", details={"buildings": missing[:50]})
    outside = sorted(row.id for row in rows if row.painted and row.code is None)
    if outside:
        raise InvalidInput(f"buildings {', '.join(map(str, outside[:10]))} are in no cell of "
                           f"generation {draft_id}", where="buildings",
                           details={"buildings": outside[:50]})
    painted: dict[str, dict[int, Point]] = {}
    others: dict[str, dict[int, Point]] = {}
    for row in rows:
        (painted if row.painted else others).setdefault(row.code, {})[row.id] = Point(
            row.lon, row.lat)
    return painted, others


def renumber(session: Session, *, principal: Principal, generation_id: int, village: str,
             expected: Expected = Expected(), reason: str | None = None) -> list[dict]:
    """Renumber the village's changed cells W→E, N→S (gis.grid.renumber); [{from, to}]."""
    from gis.grid.renumber import renumber_village

    if not covers_region_code(principal, village):
        raise PermissionDenied(f"village {village} is not (wholly) in your area: renumber "
                               "only a village you look after", where="village")
    renamed: list[dict] = []

    def run() -> list[CellChange]:
        names, changes = renumber_village(session, generation_id=generation_id,
                                          village_code=village)
        renamed.extend(names)
        return changes

    _edit(session, principal=principal, generation_id=generation_id, codes=[],
          expected=expected, op="renumber", reason=reason, run=run)
    return renamed


def undo(session: Session, *, principal: Principal, generation_id: int,
         expected: Expected = Expected()) -> list[CellChange]:
    return _history_step(session, principal, generation_id, expected, history.undo)


def redo(session: Session, *, principal: Principal, generation_id: int,
         expected: Expected = Expected()) -> list[CellChange]:
    return _history_step(session, principal, generation_id, expected, history.redo)


def _history_step(session: Session, principal: Principal, generation_id: int,
                  expected: Expected, step) -> list[CellChange]:
    draft = versions.lock_draft(session, generation_id=generation_id,
                                expected_version=expected.generation)
    entry, changes = step(session, draft, check=lambda entry: _require_area(
        principal, [code.strip() for code in entry.codes]))
    versions.record(session, draft, changes, before={}, edited_by=principal.username,
                    op_id=entry.id)
    return changes
