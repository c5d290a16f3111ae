"""Cells as a noded coverage on one precision grid: snapping, noding and checking.

Why a grid of 1e-7 degree (PRECISION_DEG): in EPSG:4326 it is about 1.1 cm of latitude
and 1 cm of longitude in China, finer than any survey of a cell boundary, and 7 decimals
is what ST_AsGeoJSON(geom, 7) writes, so a stored coordinate on the grid survives an
export and a re-import unchanged (the double nearest k * 1e-7 prints as k * 1e-7).

Why a *noded* coverage: two neighbouring cells only tile exactly when their shared
boundary is the same sequence of vertices in both. Where one cell has a vertex on the
common edge and the other none, the two edges differ by rounding (~1e-15 degree) and
leave a hairline gap or overlap: a point on the edge can then fall into no cell. Noding
inserts such a vertex into the neighbour's edge too, so both edges are the same segments
and a point on them is covered by both (the lower code wins, see locate_points.sql).

How: every cell is snapped to the grid (shapely.set_precision), then each cell is snapped
(GEOS snap: vertices to the neighbours' vertices, and the neighbours' vertices that lie
on its segments inserted) to the vertices of the cells within SNAP_TOLERANCE_DEG, in turn,
until nothing moves. Snapping only ever copies coordinates that are already on the grid,
so the result stays on it. shapely.coverage_invalid_edges is the independent check.
Measured on the district demo (1,000 cells, 5,904 vertices, 2 shared cores): 805 cells
had invalid coverage edges and 895 of 10,000 points on shared edges and vertices were in
no cell; after noding (0.16 s, 1,088 vertices added, farthest move 7.3 mm) 0 and 0. The
same in PostGIS (ST_ReducePrecision, then ST_Snap to the neighbours' vertices three
times) also reaches 0 invalid edges, in 0.30 s; shapely is chosen because cells are
built in Python (demo, proposals, edits) and it is the same GEOS code, testable alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

PRECISION_DEG = 1e-7
# A vertex that should lie on a neighbour's edge is off it by at most the rounding of
# both (about 0.7 grid step each): two steps find it, and no real feature of a cell
# (a street is metres wide) is as narrow as 2 cm.
SNAP_TOLERANCE_DEG = 2 * PRECISION_DEG
MAX_ROUNDS = 6
# Gaps between cells narrower than this (about 1 m) are hairlines, reported edge by edge;
# wider ones are the area check's business (validate_gaps.sql). With 0, GEOS reports only
# edges that cross or overlap, and a 0.1 mm gap would pass.
GAP_WIDTH_DEG = 1e-5
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0


@dataclass(frozen=True)
class NodingResult:
    """The noded polygons and what moved: vertices added or moved, farthest move (metres)."""

    polygons: list[Polygon]
    changed: list[int]  # indices of the polygons whose vertices changed
    vertices_added: int  # vertices a polygon gained (a neighbour's, inserted on its edge)
    vertices_moved: int  # vertices no longer where they were (rounded or snapped)
    max_displacement_m: float


def on_grid(geom: BaseGeometry) -> BaseGeometry:
    """The geometry with every coordinate rounded to the precision grid (kept valid)."""
    return shapely.set_precision(geom, PRECISION_DEG)


def _one_polygon(geom: BaseGeometry, fallback: Polygon) -> Polygon:
    """A single valid polygon from a snapping result; the input if snapping broke it."""
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type != "Polygon" or geom.is_empty or not geom.is_valid:
        return fallback
    return geom


def node_coverage(polygons) -> NodingResult:
    """Snap polygons to the grid and node them into a coverage (see the module docstring).

    Order matters for who moves: earlier polygons snap to later ones' vertices first
    (gis.grid.noding puts the cells being written first, their stored neighbours after)."""
    originals = [shapely.normalize(p) for p in polygons]
    current = [_one_polygon(on_grid(p), p) for p in originals]
    tree = shapely.STRtree(originals)
    neighbours = [[j for j in tree.query(p, predicate="dwithin",
                                         distance=SNAP_TOLERANCE_DEG).tolist() if j != i]
                  for i, p in enumerate(originals)]
    for _ in range(MAX_ROUNDS):
        moved = False
        for i, others in enumerate(neighbours):
            if not others:
                continue
            reference = shapely.multipoints(
                np.unique(shapely.get_coordinates([current[j] for j in others]), axis=0))
            snapped = _one_polygon(
                shapely.normalize(shapely.snap(current[i], reference, SNAP_TOLERANCE_DEG)),
                current[i])
            if not shapely.equals_exact(snapped, current[i], 0.0):
                current[i], moved = snapped, True
        if not moved:
            break
    changed = [i for i, (old, new) in enumerate(zip(originals, current, strict=True))
               if not shapely.equals_exact(old, new, 0.0)]
    added = moved = 0
    for i in changed:
        before = set(map(tuple, shapely.get_coordinates(originals[i]).tolist()))
        after = set(map(tuple, shapely.get_coordinates(current[i]).tolist()))
        moved += len(before - after)
        added += max(len(after) - len(before), 0)
    return NodingResult(current, changed, added, moved,
                        max((displacement_m(originals[i], current[i]) for i in changed),
                            default=0.0))


def displacement_m(before: BaseGeometry, after: BaseGeometry) -> float:
    """Farthest any point of either outline is from the other (Hausdorff), in metres."""
    lat = math.radians(before.centroid.y)
    degrees = shapely.hausdorff_distance(
        shapely.transform(before, lambda xy: xy * [math.cos(lat), 1.0]),
        shapely.transform(after, lambda xy: xy * [math.cos(lat), 1.0]))
    return float(degrees * METRES_PER_DEGREE)


def invalid_edges(polygons) -> list[tuple[int, BaseGeometry]]:
    """(index, the edges of that polygon not matched exactly by its neighbours) per faulty
    polygon: unshared vertices, edges that nearly but not exactly match, overlaps."""
    if not len(polygons):
        return []
    edges = shapely.coverage_invalid_edges(np.asarray(polygons, dtype=object),
                                           gap_width=GAP_WIDTH_DEG)
    return [(i, edge) for i, edge in enumerate(edges)
            if edge is not None and not edge.is_empty]


def off_grid_vertices(polygon: BaseGeometry) -> int:
    """How many coordinates of the polygon are not on the precision grid."""
    coords = shapely.get_coordinates(polygon)
    return int((~np.isclose(coords / PRECISION_DEG, np.round(coords / PRECISION_DEG),
                            rtol=0, atol=1e-6)).any(axis=1).sum())
