"""Exactly one cell on a generated coverage whose cells are cut into several lookup pieces.

Apart from test_one_cell.py, whose module-wide demo holds the district's region codes."""
from __future__ import annotations

import numpy as np
import shapely

from gis.grid.coverage import invalid_edges, node_coverage
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region
from tests.gis.test_one_cell import (
    assigned_in_bulk,
    edge_and_vertex_points,
    expected_codes,
    located_in_database,
    located_in_memory,
)


def wiggly_coverage(rng, vertices: int = 400) -> list:
    """Three cells of a village near Tongliang whose shared border has `vertices` vertices
    (so the cells are cut into several lookup pieces), noded: north, south-west, south-east."""
    west, south, east, north = 106.04, 29.84, 106.06, 29.85
    xs = np.linspace(west, east, vertices)
    ys = (south + north) / 2 + rng.uniform(-0.001, 0.001, vertices)
    border = np.column_stack([xs, ys])
    top = shapely.Polygon([*border, (east, north), (west, north)])
    bottom = shapely.Polygon([*border, (east, south), (west, south)])
    cut = shapely.box(west - 1, south - 1, west + 0.0123456789, north + 1)
    pieces = [top, shapely.intersection(bottom, cut), shapely.difference(bottom, cut)]
    return node_coverage(pieces).polygons


def test_a_generated_coverage_with_long_borders_gives_one_cell_by_every_path(db):
    rng = np.random.default_rng(13)
    cells = wiggly_coverage(rng)
    assert invalid_edges(cells) == []
    village = shapely.union_all(cells)
    for code, level, parent in ((DISTRICT, "district", None), (TOWN, "town", DISTRICT),
                                (VILLAGE, "village", TOWN)):
        add_region(db, code=code, level=level, parent=parent, geom=village)
    generation = add_generation(db)
    codes = [f"{VILLAGE}{serial:03d}" for serial in (1, 2, 3)]
    for code, cell in zip(codes, cells, strict=True):
        add_cell(db, code=code, geom=cell, generation=generation)
    points = edge_and_vertex_points(np.array(cells, dtype=object), 3_000, rng)
    expected = expected_codes(codes, cells, points)
    assert None not in expected
    assert located_in_database(db, points) == expected
    assert located_in_memory(db, points) == expected
    assigned, unlocated = assigned_in_bulk(db, generation, points)
    assert (unlocated, assigned) == (0, expected)


def test_points_near_the_cuts_of_lookup_pieces_get_the_cell_that_covers_them(db):
    # 1,500 vertices: each cell is cut into hundreds of pieces, and the vertices a cut adds
    # are not exactly on the cell's edge, so pieces and cell disagree about points on it.
    # Every path must answer by the whole cell, as the independent computation does.
    rng = np.random.default_rng(17)
    cells = wiggly_coverage(rng, vertices=1_500)
    village = shapely.union_all(cells)
    for code, level, parent in ((DISTRICT, "district", None), (TOWN, "town", DISTRICT),
                                (VILLAGE, "village", TOWN)):
        add_region(db, code=code, level=level, parent=parent, geom=village)
    generation = add_generation(db)
    codes = [f"{VILLAGE}{serial:03d}" for serial in (1, 2, 3)]
    for code, cell in zip(codes, cells, strict=True):
        add_cell(db, code=code, geom=cell, generation=generation)
    points = edge_and_vertex_points(np.array(cells, dtype=object), 4_000, rng)[-2_000:]
    expected = expected_codes(codes, cells, points)
    assert None not in expected
    assert located_in_database(db, points) == expected
    assert located_in_memory(db, points) == expected
    assigned, unlocated = assigned_in_bulk(db, generation, points)
    assert (unlocated, assigned) == (0, expected)
