"""Noding generated coverages: 0 invalid edges, every vertex on the grid, shapes kept.

Property tests on two-level Voronoi tilings (villages cut into cells, as the demo and
proposals do), whose cells meet village borders at points the neighbouring village's
cells lack: the hairlines of issue 11, finding 1."""
from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gis.demo.partition import LocalFrame, voronoi_partition
from gis.grid.coverage import (
    PRECISION_DEG,
    invalid_edges,
    node_coverage,
    off_grid_vertices,
    on_grid,
)

AREA = box(106.0, 29.8, 106.05, 29.84)  # about 4.8 x 4.4 km near Tongliang


def two_level_tiling(seed: int, villages: int, cells_per_village: int) -> list:
    rng = np.random.default_rng(seed)
    frame = LocalFrame.around(AREA)
    west, south, east, north = AREA.bounds

    def sites(geom, n):
        w, s, e, nn = geom.bounds
        found = rng.uniform((w, s), (e, nn), (50 * n, 2))
        return found[shapely.contains_xy(geom, found[:, 0], found[:, 1])][:n]

    village_pieces = voronoi_partition(AREA, sites(AREA, villages), frame=frame,
                                       allow_multipart=False).pieces
    cells = []
    for village in village_pieces:
        cells += voronoi_partition(village, sites(village, cells_per_village), frame=frame,
                                   allow_multipart=False).pieces
    return cells


def shared_edge_points(cells, rng, count: int) -> np.ndarray:
    segments = np.vstack([np.hstack([c[:-1], c[1:]]) for c in (
        shapely.get_coordinates(ring) for ring in shapely.get_exterior_ring(cells))])
    middles = shapely.points((segments[:, :2] + segments[:, 2:]) / 2)
    near, _ = shapely.STRtree(cells).query(middles, predicate="dwithin", distance=1e-9)
    shared = segments[np.bincount(near, minlength=len(segments)) >= 2]
    chosen = shared[rng.integers(0, len(shared), count)]
    t = rng.random((count, 1))
    return np.vstack([shapely.get_coordinates(cells),
                      chosen[:, :2] + t * (chosen[:, 2:] - chosen[:, :2])])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), villages=st.integers(2, 6),
       cells_per_village=st.integers(1, 6))
def test_noding_makes_any_generated_tiling_a_valid_coverage_on_the_grid(
        seed, villages, cells_per_village):
    cells = two_level_tiling(seed, villages, cells_per_village)
    result = node_coverage(cells)
    noded = result.polygons
    assert invalid_edges(noded) == []
    assert shapely.coverage_is_valid(np.array(noded, dtype=object))
    assert all(p.geom_type == "Polygon" and p.is_valid for p in noded)
    assert sum(off_grid_vertices(p) for p in noded) == 0
    assert result.max_displacement_m < 0.05  # centimetres at most
    # every point on a shared edge or vertex is in at least one cell (no hairline gap)
    points = shapely.points(shared_edge_points(np.array(noded, dtype=object),
                                               np.random.default_rng(seed), 500))
    hit, _ = shapely.STRtree(noded).query(points, predicate="covered_by")
    assert len(np.unique(hit)) == len(points)


@given(x=st.floats(100, 120), y=st.floats(20, 40))
def test_on_grid_coordinates_survive_seven_decimals(x, y):
    # what ST_AsGeoJSON(geom, 7) or any 7-decimal export writes reads back bit for bit
    snapped = shapely.get_coordinates(on_grid(shapely.Point(x, y)))[0]
    assert [float(f"{v:.7f}") for v in snapped] == snapped.tolist()
    assert abs(snapped[0] - x) <= PRECISION_DEG / 2 + 1e-12


def test_noding_inserts_the_missing_vertex_and_moves_nothing_else():
    west = box(0, 0, 1, 1)
    north_east, south_east = box(1, 0.5, 2, 1), box(1, 0, 2, 0.5)
    assert len(invalid_edges([west, north_east, south_east])) == 3
    result = node_coverage([west, north_east, south_east])
    assert result.changed == [0] and result.vertices_added == 1
    assert [1.0, 0.5] in shapely.get_coordinates(result.polygons[0]).tolist()
    assert result.max_displacement_m == 0.0
