"""Proposal: cells tile the village exactly, hold households within the band, are numbered."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box

from gis.errors import InvalidInput
from gis.grid.propose import cell_count, propose_village
from gis.grid.propose_service import propose_for_region
from gis.grid.validation import validate_generation
from gis.settings import GridSettings
from tests.factories import TOWN, VILLAGE
from tests.grid_fixtures import CHINA_VILLAGE, add_households

# A U-shaped village about 300 m across: boxes clipped to it fall apart at the notch.
U_SHAPE = Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
U_SHAPE = shapely.affinity.scale(U_SHAPE, 0.001, 0.001, origin=(0, 0))


def uniform(geom, n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    west, south, east, north = geom.bounds
    found = np.zeros((0, 2))
    while len(found) < n:
        batch = rng.uniform((west, south), (east, north), (2 * n, 2))
        found = np.vstack([found, batch[shapely.contains_xy(geom, batch[:, 0], batch[:, 1])]])
    return found[:n]


def assert_tiles(village, cells) -> None:
    geoms = [cell.geom for cell in cells]
    assert all(g.geom_type == "Polygon" and g.is_valid for g in geoms)
    assert shapely.union_all(geoms).symmetric_difference(village).area < 1e-12
    assert abs(sum(g.area for g in geoms) - village.area) < 1e-12  # so no overlaps


@pytest.mark.parametrize("village", [box(0, 0, 0.01, 0.01), U_SHAPE])
def test_cells_tile_the_village_and_fit_the_band(village):
    points = uniform(village, 2400)
    proposal = propose_village(village, points, np.ones(len(points)), (200, 400))
    assert_tiles(village, proposal.cells)
    assert sum(c.households for c in proposal.cells) == 2400
    assert proposal.in_band == len(proposal.cells) >= 6
    assert 0.3 < proposal.mean_compactness <= 1


def test_serials_run_west_to_east_then_north_to_south():
    village = box(0, 0, 0.01, 0.01)
    points = uniform(village, 1200)
    cells = propose_village(village, points, np.ones(len(points)), (200, 400)).cells
    centres = {c.serial: c.geom.centroid for c in cells}
    assert len(cells) == 4
    assert centres[1].x < centres[2].x and centres[1].y > centres[3].y
    assert centres[3].x < centres[4].x and centres[2].y > centres[4].y


def test_village_without_households_is_one_cell():
    village = box(0, 0, 0.01, 0.01)
    [cell] = propose_village(village, np.zeros((0, 2)), np.zeros(0), (200, 400)).cells
    assert cell.geom.equals(village) and cell.households == 0


def test_island_villages_get_one_polygon_per_island():
    village = MultiPolygon([box(0, 0, 0.01, 0.01), box(0.02, 0, 0.03, 0.01)])
    points = uniform(village, 300)
    cells = propose_village(village, points, np.ones(len(points)), (200, 400)).cells
    assert_tiles(village, cells)
    assert len(cells) == 2


def test_a_block_of_flats_is_never_cut():
    village = box(0, 0, 0.01, 0.01)
    points = np.array([[0.005, 0.005], [0.001, 0.001]])
    cells = propose_village(village, points, np.array([700.0, 5.0]), (200, 400)).cells
    assert sorted(c.households for c in cells) in ([5, 700], [705])


@pytest.mark.parametrize(("households", "cells"), [(0, 1), (150, 1), (900, 3), (1000, 3),
                                                   (450, 2)])
def test_cell_count(households, cells):
    assert cell_count(households, (200, 400)) == cells


def test_band_must_make_sense():
    with pytest.raises(InvalidInput, match="min <= max"):
        cell_count(100, (400, 200))


def test_proposal_fills_a_draft_that_validates(db, china_grid):
    points = uniform(CHINA_VILLAGE, 900)
    add_households(db, [tuple(p) for p in points])
    result = propose_for_region(db, region_code=TOWN, band=(200, 400))
    assert result["cells"] == 3 and result["share_in_band"] == 1.0
    assert result["villages_below_band"] == 0
    assert result["villages"][0]["cells_detail"][0]["code"] == VILLAGE + "001"
    grid = GridSettings(households_min=200, households_max=400)
    report = validate_generation(db, generation_id=result["generation"], grid=grid)
    assert report.findings == []
