"""Proposals that follow roads: cells tile the village and their inner borders run on roads."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, box

from gis.grid import propose, propose_roads
from gis.grid.tiling import LocalFrame
from tests.gis.test_propose import uniform

# A village about 1 km across near Chongqing (metres matter for the 1 m² tolerances).
VILLAGE = box(106.0, 29.8, 106.01, 29.81)
BAND = (200, 400)


def square_metres(geom, frame: LocalFrame) -> float:
    return shapely.area(shapely.transform(geom, frame.to_xy))


def assert_tiles(village, cells) -> None:
    frame = LocalFrame.around(village)
    geoms = [cell.geom for cell in cells]
    assert all(g.geom_type == "Polygon" and g.is_valid for g in geoms)
    assert square_metres(shapely.union_all(geoms).symmetric_difference(village), frame) < 1
    overlap = sum(square_metres(a.intersection(b), frame)
                  for i, a in enumerate(geoms) for b in geoms[i + 1:])
    assert overlap < 1


def on_road(edge, road) -> bool:
    return road.buffer(1e-9).covers(edge)  # 1e-9 degrees: about 0.1 mm


def test_two_cells_meet_on_the_road():
    road = LineString([(106.004, 29.79), (106.004, 29.82)])
    points = uniform(VILLAGE, 600)
    proposal = propose_roads.propose_village(VILLAGE, points, np.ones(600), BAND, roads=road)
    assert_tiles(VILLAGE, proposal.cells)
    first, second = (c.geom for c in proposal.cells)
    shared = shapely.intersection(first.boundary, second.boundary)
    assert shared.length > 0.009 and on_road(shared, road)
    assert [c.borders for c in proposal.cells] == ["roads", "roads"]
    assert sum(c.households for c in proposal.cells) == 600


def test_a_street_grid_gives_cells_of_whole_blocks_in_the_band():
    streets = MultiLineString(
        [[(106.0 + d, 29.79), (106.0 + d, 29.82)] for d in (0.0025, 0.005, 0.0075)]
        + [[(105.99, 29.8 + d), (106.02, 29.8 + d)] for d in (0.0025, 0.005, 0.0075)])
    points = uniform(VILLAGE, 2400)
    proposal = propose_roads.propose_village(VILLAGE, points, np.ones(2400), BAND,
                                             roads=streets)
    assert_tiles(VILLAGE, proposal.cells)
    assert proposal.in_band == len(proposal.cells) >= 6
    assert all(c.borders == "roads" for c in proposal.cells)
    inner = shapely.union_all([c.geom.boundary for c in proposal.cells]).difference(
        VILLAGE.boundary.buffer(1e-9))
    assert on_road(inner, streets)


def test_a_crowded_block_is_split_by_straight_cuts():
    road = LineString([(106.002, 29.79), (106.002, 29.82)])
    east = box(106.002, 29.8, 106.01, 29.81)
    points = np.vstack([uniform(box(106.0, 29.8, 106.002, 29.81), 250), uniform(east, 1000)])
    proposal = propose_roads.propose_village(VILLAGE, points, np.ones(len(points)), BAND,
                                             roads=road)
    assert_tiles(VILLAGE, proposal.cells)
    assert all(c.households <= BAND[1] for c in proposal.cells)
    assert sum(c.borders == "straight" for c in proposal.cells) >= 3
    [west_cell] = [c for c in proposal.cells if c.geom.centroid.x < 106.002]
    assert west_cell.households == 250 and west_cell.borders == "roads"


def test_small_blocks_join_a_neighbour_to_reach_the_band():
    # Eight strips of 75 households: no strip alone reaches 200, so cells take several.
    roads = MultiLineString([[(106.0 + d / 800, 29.79), (106.0 + d / 800, 29.82)]
                             for d in range(1, 8)])
    points = uniform(VILLAGE, 600)
    proposal = propose_roads.propose_village(VILLAGE, points, np.ones(600), BAND, roads=roads)
    assert_tiles(VILLAGE, proposal.cells)
    assert 2 <= len(proposal.cells) <= 3
    assert all(BAND[0] <= c.households <= BAND[1] for c in proposal.cells)


def test_without_a_crossing_road_the_straight_proposal_is_unchanged():
    points = uniform(VILLAGE, 1200)
    plain = propose.propose_village(VILLAGE, points, np.ones(1200), BAND)
    dead_end = LineString([(106.005, 29.79), (106.005, 29.805)])  # enters, cuts nothing
    far_away = LineString([(107.0, 29.0), (107.1, 29.1)])
    for roads in (None, dead_end, far_away):
        cells = propose_roads.propose_village(VILLAGE, points, np.ones(1200), BAND,
                                              roads=roads).cells
        assert [c.geom.wkb for c in cells] == [c.geom.wkb for c in plain.cells]
        assert all(c.borders == "straight" for c in cells)


def test_a_road_along_the_boundary_leaves_no_sliver_cell():
    road = MultiLineString([[(106.0, 29.79), (106.0, 29.82)],          # on the west edge
                            [(106.005, 29.79), (106.005, 29.82)]])
    points = uniform(VILLAGE, 600)
    proposal = propose_roads.propose_village(VILLAGE, points, np.ones(600), BAND, roads=road)
    assert_tiles(VILLAGE, proposal.cells)
    assert len(proposal.cells) == 2
