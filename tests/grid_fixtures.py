"""Grid fixtures: a draft over two_cells, a tiny grid in China, households placed by hand."""
from __future__ import annotations

import pytest
from shapely.geometry import Point, box
from sqlalchemy import text

from gis.grid import lifecycle
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

# A 0.02 x 0.01 degree village in Tongliang (about 1.9 km x 1.1 km), two cells.
CHINA_WEST, CHINA_SOUTH = 106.04, 29.84
CHINA_VILLAGE = box(CHINA_WEST, CHINA_SOUTH, CHINA_WEST + 0.02, CHINA_SOUTH + 0.01)


def add_households(session, points, *, cell_id: int | None = None) -> list[int]:
    """Households at lon/lat points, optionally assigned to a cell."""
    return [session.execute(text(
        "WITH h AS (INSERT INTO households (geom, located_by) "
        "VALUES (ST_GeomFromText(:wkt, 4326), 'coordinates') RETURNING id), "
        "placed AS (INSERT INTO household_own_cells (household_id, cell_id) "
        "SELECT id, CAST(:cell AS bigint) FROM h WHERE CAST(:cell AS bigint) IS NOT NULL) "
        "SELECT id FROM h"),
        {"wkt": Point(x, y).wkt, "cell": cell_id}).scalar_one() for x, y in points]


@pytest.fixture()
def draft(db, two_cells):
    """two_cells plus a draft generation sharing its two cells."""
    generation = lifecycle.create_draft(db, name="redraw 2027")
    return {**two_cells, "draft": generation.id}


@pytest.fixture()
def china_grid(db):
    """A village near 106.05E 29.845N split into a west and an east cell, active."""
    for code, level, parent in ((DISTRICT, "district", None), (TOWN, "town", DISTRICT),
                                (VILLAGE, "village", TOWN)):
        add_region(db, code=code, level=level, parent=parent, geom=CHINA_VILLAGE)
    gen = add_generation(db)
    middle = CHINA_WEST + 0.01
    west = add_cell(db, code=VILLAGE + "001", generation=gen,
                    geom=box(CHINA_WEST, CHINA_SOUTH, middle, CHINA_SOUTH + 0.01))
    east = add_cell(db, code=VILLAGE + "002", generation=gen,
                    geom=box(middle, CHINA_SOUTH, CHINA_WEST + 0.02, CHINA_SOUTH + 0.01))
    db.flush()
    return {"generation": gen, "west": west, "east": east}
