"""Cell edits inside a draft generation: add, redraw, remove, split, merge, replace a village.

History is never edited in place. A row shared with the active generation is closed at
that generation (generation_high = active id) and a new row opens from the draft on; a
row the draft itself created is replaced freely. A cell whose geometry and attributes do
not change keeps its row, so its id, code and households stay as they are.
"""
from __future__ import annotations

from dataclasses import dataclass

import shapely
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import to_shape
from shapely.geometry import LineString, Polygon
from shapely.ops import split
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

import gis.models  # noqa: F401  (every table known: Cell's foreign keys resolve)
from gis.errors import Conflict, InvalidGeometry, InvalidInput, NotFound
from gis.grid.lifecycle import closing_generation_id, require_draft
from gis.grid.models import Cell, Generation
from gis.grid.noding import fit_to_neighbours
from gis.grid.shapes import check_cell_polygon
from gis.text_guard import clean_name

ATTRIBUTES = ("name", "kind", "dedicated_type")
MAX_NAME = 100  # a cell's name is shown in lists and on the map; a sentence is a mistake


def clean_attributes(attrs: dict) -> dict:
    """Cell attributes as one-line names (gis/text_guard.py: NUL, bidi and zero-width
    marks out, length capped); an empty value clears the attribute."""
    def clean(key: str, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return clean_name(value, where=f"properties.{key}", max_length=MAX_NAME)

    return {key: clean(key, value) for key, value in attrs.items()}


@dataclass(frozen=True)
class CellState:
    """A code's shape (WKB, EPSG:4326) and attributes at one moment: what undo brings back."""

    wkb: bytes
    attrs: dict


@dataclass(frozen=True)
class CellChange:
    """What happened to one code: added, redrawn, restored, unchanged or removed; `before`
    is the code's state before the change (None for an addition)."""

    code: str
    action: str
    cell_id: int | None
    before: CellState | None = None


def state_of(cell: Cell) -> CellState:
    return CellState(shapely.to_wkb(to_shape(cell.geom)),
                     {key: getattr(cell, key) for key in ATTRIBUTES})


def valid_in(generation_id: int):
    """SQL condition: the cell row is valid in the generation."""
    return and_(Cell.generation_low <= generation_id,
                or_(Cell.generation_high.is_(None), Cell.generation_high >= generation_id))


def current_cell(session: Session, *, generation_id: int, code: str) -> Cell | None:
    return session.scalars(select(Cell).where(Cell.code == code, valid_in(generation_id))).first()


def cell_shape(cell: Cell) -> Polygon:
    return to_shape(cell.geom)


def _check_code(session: Session, code: str) -> None:
    if not (len(code) == 15 and code.isdigit()):
        raise InvalidInput(f"cell code {code!r} must be 15 digits (village code + serial)",
                           where="code")
    if code.endswith("000"):
        raise InvalidInput(f"cell code {code}: serials run from 001", where="code")
    level = session.execute(text("SELECT level FROM regions WHERE code = :code"),
                            {"code": code[:12]}).scalar()
    if level is None:
        raise NotFound(f"cell code {code}: village {code[:12]} does not exist", where="code")
    if level != "village":
        raise InvalidInput(f"cell code {code}: {code[:12]} is a {level}, not a village",
                           where="code")


def _same(session: Session, cell: Cell, wkb: bytes, attrs: dict) -> bool:
    if any(getattr(cell, key) != value for key, value in attrs.items()):
        return False
    # The same vertices, wherever the rings start: a neighbour that only gained a vertex
    # on a shared edge (noding, gis.grid.coverage) is topologically equal but changed.
    return bool(session.execute(select(func.ST_OrderingEquals(
        func.ST_Normalize(cell.geom),
        func.ST_Normalize(func.ST_GeomFromWKB(wkb, 4326))))).scalar())


def _closed_twin(session: Session, *, code: str, closing: int | None, wkb: bytes,
                 attrs: dict) -> Cell | None:
    """The row the draft closed for this code, if the new shape is that row's shape again."""
    if closing is None:
        return None
    twin = session.scalars(select(Cell).where(Cell.code == code,
                                              Cell.generation_high == closing)).first()
    return twin if twin is not None and _same(session, twin, wkb, attrs) else None


def write_cell(session: Session, draft: Generation, *, code: str, geom: Polygon,
               attrs: dict) -> CellChange:
    """Give `code` this shape in the draft, keeping the existing row when nothing changed."""
    closing = closing_generation_id(session)
    current = current_cell(session, generation_id=draft.id, code=code)
    attrs = clean_attributes(attrs)
    attrs = {"name": None, "kind": "base", "dedicated_type": None,
             **({k: getattr(current, k) for k in ATTRIBUTES} if current else {}), **attrs}
    wkb = shapely.to_wkb(geom)
    if current is not None and _same(session, current, wkb, attrs):
        return CellChange(code, "unchanged", current.id, state_of(current))
    before = state_of(current) if current is not None else None
    twin = _closed_twin(session, code=code, closing=closing, wkb=wkb, attrs=attrs)
    if current is not None:
        _close(session, draft, current, closing)
    if twin is not None:
        twin.generation_high = None
        session.flush()
        return CellChange(code, "restored", twin.id, before)
    cell = Cell(code=code, village_code=code[:12], generation_low=draft.id,
                geom=WKBElement(wkb, srid=4326), **attrs)
    session.add(cell)
    session.flush()
    return CellChange(code, "redrawn" if current is not None else "added", cell.id, before)


def write_noded(session: Session, draft: Generation, cells: list[tuple[str, Polygon, dict]],
                *, leaving: set[str] = frozenset()) -> list[CellChange]:
    """Write cells (code, polygon, attributes) noded with their neighbours, and the
    neighbours that gained their vertices (gis.grid.noding)."""
    noded, neighbours = fit_to_neighbours(session, generation_id=draft.id,
                                          cells={code: geom for code, geom, _ in cells},
                                          leaving=leaving)
    changes = [write_cell(session, draft, code=code, geom=noded[code], attrs=attrs)
               for code, _, attrs in cells]
    return changes + [write_cell(session, draft, code=code, geom=geom, attrs={})
                      for code, geom in neighbours.items()]


def _close(session: Session, draft: Generation, cell: Cell, closing: int | None) -> None:
    """End a row before the draft: delete it if the draft made it, else close it."""
    if cell.generation_low == draft.id:
        session.delete(cell)
    elif closing is None:
        raise Conflict(f"cell {cell.code.strip()} belongs to an older generation but none is "
                       "active to close it at", where="code")
    else:
        cell.generation_high = closing
    session.flush()


def add_cell(session: Session, *, generation_id: int, code: str, geom: Polygon,
             attrs: dict | None = None) -> CellChange:
    draft = require_draft(session, generation_id=generation_id)
    _check_code(session, code)
    if current_cell(session, generation_id=draft.id, code=code) is not None:
        raise Conflict(f"cell {code} already exists in generation {draft.id}; "
                       "use PUT to redraw it", where="code")
    return write_noded(session, draft, [(code, geom, attrs or {})])[0]


def redraw_cell(session: Session, *, generation_id: int, code: str, geom: Polygon,
                attrs: dict | None = None) -> CellChange:
    draft = require_draft(session, generation_id=generation_id)
    if current_cell(session, generation_id=draft.id, code=code) is None:
        raise NotFound(f"cell {code} is not in generation {draft.id}; use POST to add it",
                       where="code")
    return write_noded(session, draft, [(code, geom, attrs or {})])[0]


def remove_cell(session: Session, *, generation_id: int, code: str) -> CellChange:
    draft = require_draft(session, generation_id=generation_id)
    current = current_cell(session, generation_id=draft.id, code=code)
    if current is None:
        raise NotFound(f"cell {code} is not in generation {draft.id}", where="code")
    before = state_of(current)
    _close(session, draft, current, closing_generation_id(session))
    return CellChange(code, "removed", None, before)


def next_serial_codes(session: Session, *, village_code: str, count: int) -> list[str]:
    """Fresh codes after the highest serial the village ever used (codes are not recycled)."""
    highest = session.execute(text(
        "SELECT coalesce(max(right(code, 3)::int), 0) FROM grid_cells "
        "WHERE village_code = :village"), {"village": village_code}).scalar_one()
    if highest + count > 999:
        raise Conflict(f"village {village_code} has no free cell serials left", where="code")
    return [f"{village_code}{serial:03d}" for serial in range(highest + 1, highest + 1 + count)]


def split_cell(session: Session, *, generation_id: int, code: str,
               line: LineString) -> list[CellChange]:
    """Cut a cell along a line; the largest part keeps the code, the others get new codes."""
    draft = require_draft(session, generation_id=generation_id)
    current = current_cell(session, generation_id=draft.id, code=code)
    if current is None:
        raise NotFound(f"cell {code} is not in generation {draft.id}", where="code")
    parts = sorted(split(cell_shape(current), line).geoms, key=lambda p: -p.area)
    if len(parts) < 2:
        raise InvalidGeometry(f"the line does not cut cell {code}: it must cross the cell "
                              "from edge to edge", where="line",
                              details={"reason": "line_misses_cell", "code": code})
    new_codes = next_serial_codes(session, village_code=code[:12], count=len(parts) - 1)
    cells = [(part_code, check_cell_polygon(part, where=f"part {part_code}"),
              {"name": None} if part_code != code else {})
             for part_code, part in zip([code, *new_codes], parts, strict=True)]
    return write_noded(session, draft, cells)


def merge_cells(session: Session, *, generation_id: int, codes: list[str]) -> list[CellChange]:
    """Join neighbouring cells of one village into the first (lowest) code."""
    draft = require_draft(session, generation_id=generation_id)
    codes = sorted(set(codes))
    if len(codes) < 2 or len({c[:12] for c in codes}) != 1:
        raise InvalidInput("merge needs two or more cells of the same village", where="codes",
                           details={"reason": "merge_one_village"})
    cells = [current_cell(session, generation_id=draft.id, code=c) for c in codes]
    missing = [c for c, cell in zip(codes, cells, strict=True) if cell is None]
    if missing:
        raise NotFound(f"cells {', '.join(missing)} are not in generation {draft.id}",
                       where="codes")
    merged = shapely.union_all([cell_shape(cell) for cell in cells])
    if merged.geom_type != "Polygon":
        raise InvalidGeometry(f"cells {', '.join(codes)} do not form one polygon: merge only "
                              "cells that share a border", where="codes",
                              details={"reason": "merge_not_neighbours", "codes": codes})
    # simplify(0) drops the vertices left exactly on a straight edge where the merged
    # cells met; noding (write_noded) puts back those a neighbour still shares.
    merged = check_cell_polygon(shapely.simplify(merged, 0), where="merged cell")
    changes = [remove_cell(session, generation_id=draft.id, code=c) for c in codes[1:]]
    return write_noded(session, draft, [(codes[0], merged, {})],
                       leaving=set(codes[1:])) + changes


def replace_village_cells(session: Session, *, generation_id: int, village_code: str,
                          cells: list[tuple[str, Polygon, dict]]) -> list[CellChange]:
    """Make the village's cells in the draft exactly `cells` (code, polygon, attributes)."""
    draft = require_draft(session, generation_id=generation_id)
    wanted = {code for code, _, _ in cells}
    existing = session.scalars(select(Cell.code).where(
        Cell.village_code == village_code, valid_in(draft.id))).all()
    changes = [remove_cell(session, generation_id=draft.id, code=code.strip())
               for code in sorted(existing) if code.strip() not in wanted]
    for code, _, _ in cells:
        _check_code(session, code)
    return changes + write_noded(session, draft, cells)
