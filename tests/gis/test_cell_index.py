"""The in-memory cell index answers every point exactly as the database statement does."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from gis.grid import locate_async
from gis.grid.cell_index import load_cell_index
from gis.grid.locate_async import PointQuery
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

SECOND_VILLAGE = "500151001002"
# Village 1 (0..2 x 0..1) is cut by a slanted line into a west and an east cell, so that
# their shared edge is not axis-aligned (rounding matters there). Village 2 (2..40 x 0..20)
# holds a concave L, a cell with a hole, and one large cell 20x the size of the others
# (it sits in a coarse level of buckets).
SLANT = [(0.7, 0.0), (1.3, 1.0)]
CELLS = {
    VILLAGE + "001": Polygon([(0, 0), *SLANT, (0, 1)]),
    VILLAGE + "002": Polygon([*SLANT, (2, 1), (2, 0)][::-1]),
    SECOND_VILLAGE + "001": Polygon([(2, 0), (3, 0), (3, 0.4), (2.4, 0.4), (2.4, 1), (2, 1)]),
    SECOND_VILLAGE + "002": Polygon([(3, 0), (4, 0), (4, 1), (3, 1)],
                                    holes=[[(3.3, 0.3), (3.3, 0.6), (3.6, 0.6), (3.6, 0.3)]]),
    SECOND_VILLAGE + "003": box(4, 0, 40, 20),
}


@pytest.fixture()
def odd_cells(db):
    add_region(db, code=DISTRICT, level="district", parent=None, geom=box(0, 0, 40, 20))
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=box(0, 0, 40, 20))
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=box(0, 0, 2, 1))
    add_region(db, code=SECOND_VILLAGE, level="village", parent=TOWN, geom=box(2, 0, 40, 20))
    generation = add_generation(db)
    for code, geom in CELLS.items():
        add_cell(db, code=code, geom=geom, generation=generation, village=code[:12])
    db.flush()
    return generation


def database_answers(db, points: list[tuple[float, float]]) -> list[dict]:
    return [locate_async.locate_point_sync(db, PointQuery(x, y)) for x, y in points]


def assert_same_answers(db, index, points):
    for (x, y), expected in zip(points, database_answers(db, points), strict=True):
        mine = index.locate(PointQuery(x, y))
        if expected["cell"] is None:
            assert mine is None, (x, y)  # not a question for memory: the database answers
        else:
            assert mine == expected, (x, y)


def boundary_points() -> list[tuple[float, float]]:
    """Every vertex, and points along every edge (on it, as far as doubles allow)."""
    points = []
    for polygon in CELLS.values():
        for ring in (polygon.exterior, *polygon.interiors):
            coords = list(ring.coords)
            for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
                points += [(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)
                           for f in (0, 0.1, 0.25, 1 / 3, 0.5, 0.7, 0.999)]
    return points


def test_the_index_agrees_with_the_database_on_edges_vertices_and_a_lattice(db, odd_cells):
    index = load_cell_index(db)
    assert (index.generation_id, index.cells) == (odd_cells, len(CELLS))
    lattice = [(-0.5 + i * 0.05, -0.5 + j * 0.05) for i in range(0, 110) for j in range(0, 40)]
    assert_same_answers(db, index, boundary_points() + lattice + [(20.0, 10.0), (39.9, 19.9)])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(st.lists(st.tuples(st.floats(-1, 41), st.floats(-1, 21)), min_size=1, max_size=40))
def test_any_point_is_answered_as_the_database_answers_it(db, odd_cells, points):
    # the fixture's rows are only read, so sharing them between examples is safe
    assert_same_answers(db, load_cell_index(db), points)


def test_a_point_on_the_slanted_shared_edge_goes_to_the_lower_code(db, odd_cells):
    answer = load_cell_index(db).locate(PointQuery(1.0, 0.5))  # midpoint of SLANT
    assert answer["cell"]["code"] == VILLAGE + "001"
    assert (answer["village"]["code"], answer["town"]["code"], answer["district"]["code"]) \
        == (VILLAGE, TOWN, DISTRICT)


def test_in_a_hole_or_outside_the_database_answers(db, odd_cells):
    index = load_cell_index(db)
    assert index.locate(PointQuery(3.45, 0.45)) is None  # the hole of …002
    assert index.locate(PointQuery(50.0, 50.0)) is None


def test_other_generations_and_dates_are_left_to_the_database(db, odd_cells):
    index = load_cell_index(db)
    assert index.locate(PointQuery(0.2, 0.5, generation_id=odd_cells))["cell"] is not None
    assert index.locate(PointQuery(0.2, 0.5, generation_id=odd_cells + 1)) is None
    assert index.locate(PointQuery(0.2, 0.5, at=dt.date(2026, 3, 1))) is None


def test_bad_coordinates_are_refused_as_the_database_path_refuses_them(db, odd_cells):
    index = load_cell_index(db)
    with pytest.raises(Exception, match="not WGS84 degrees"):
        index.locate(PointQuery(500.0, 0.5))


def test_without_an_active_generation_there_is_nothing_to_hold(db):
    add_generation(db, status="draft")
    assert load_cell_index(db) is None
