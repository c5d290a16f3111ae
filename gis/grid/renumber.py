"""Renumber a village's cells in a draft west→east, north→south, keeping stable codes.

The codes' stability rule (../shared/DOMAIN.md): a cell whose area is unchanged from the
active generation keeps its code. Only the other cells of the village (new, redrawn,
split or merged in the draft) are renumbered, among the codes they hold now: the set of
codes stays the same (no code is recycled, none is added), and they are handed out in
reading order, rows from north to south, west to east within a row. A row is a band one
typical cell high (the median cell's square root of area), measured from the village's
northern edge; a cell's place is its representative point (inside it, even when concave).
"""
from __future__ import annotations

import statistics

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput, NotFound
from gis.grid.edits import CellChange, cell_shape, current_cell, remove_cell, write_cell
from gis.grid.lifecycle import closing_generation_id, require_draft

VILLAGE_CELLS = text("""
-- The village's cells in the draft, and whether each keeps its code: its row is the active
-- generation's (shared, so unchanged), or it has the same area as the active row of its
-- code (redrawn and drawn back). Attributes only; c.code by ix_grid_cells_code's prefix.
SELECT btrim(c.code) AS code,
       (c.generation_low <= CAST(:active AS integer)
        AND (c.generation_high IS NULL OR c.generation_high >= CAST(:active AS integer)))
       OR EXISTS (SELECT 1 FROM grid_cells AS a
                  WHERE a.code = c.code AND a.id <> c.id
                    AND a.generation_low <= CAST(:active AS integer)
                    AND (a.generation_high IS NULL
                         OR a.generation_high >= CAST(:active AS integer))
                    AND ST_Equals(a.geom, c.geom)) AS stable
FROM grid_cells AS c
WHERE c.village_code = :village
  AND c.generation_low <= :draft AND (c.generation_high IS NULL OR c.generation_high >= :draft)
ORDER BY c.code
""")


def reading_order(shapes: dict[str, shapely.Geometry]) -> list[str]:
    """Codes in reading order of their cells: rows north→south, west→east in a row."""
    if not shapes:
        return []
    points = {code: shapely.point_on_surface(shape) for code, shape in shapes.items()}
    band = statistics.median(shape.area ** 0.5 for shape in shapes.values()) or 1.0
    north = max(p.y for p in points.values())
    return sorted(points, key=lambda c: (int((north - points[c].y) // band), points[c].x, c))


def renumber_village(session: Session, *, generation_id: int, village_code: str
                     ) -> tuple[list[dict], list[CellChange]]:
    """([{"from", "to"}] for every code that changed, the cell changes)."""
    if not (len(village_code) == 12 and village_code.isdigit()):
        raise InvalidInput(f"village must be a 12-digit code; got {village_code[:20]!r}",
                           where="village")
    draft = require_draft(session, generation_id=generation_id)
    rows = session.execute(VILLAGE_CELLS, {"village": village_code, "draft": draft.id,
                                           "active": closing_generation_id(session)}).all()
    if not rows:
        raise NotFound(f"village {village_code} has no cells in generation {draft.id}",
                       where="village")
    movable = [row.code for row in rows if not row.stable]
    cells = {code: current_cell(session, generation_id=draft.id, code=code) for code in movable}
    order = reading_order({code: cell_shape(cell) for code, cell in cells.items()})
    new_code = dict(zip(order, sorted(movable), strict=True))
    renamed = [{"from": old, "to": new} for old, new in sorted(new_code.items()) if old != new]
    if not renamed:
        return [], []
    moving = {item["from"]: cells[item["from"]] for item in renamed}
    states = {old: (cell_shape(cell), {"name": cell.name, "kind": cell.kind,
                                       "dedicated_type": cell.dedicated_type})
              for old, cell in moving.items()}
    changes = [remove_cell(session, generation_id=draft.id, code=old) for old in sorted(moving)]
    for old in sorted(moving):
        shape, attrs = states[old]
        changes.append(write_cell(session, draft, code=new_code[old], geom=shape, attrs=attrs))
    return renamed, changes
