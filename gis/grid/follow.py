"""Coverage edits: redraw a cell and its neighbours follow; paint buildings into a neighbour.

Both are computed on the precision grid (gis.grid.coverage.PRECISION_DEG): every overlay
runs with grid_size=PRECISION_DEG, so the results share their new vertices exactly and the
union of the cells an edit touches is the same area before and after (no gap, no overlap).
The shapes are then written like every other edit (gis.grid.edits.write_noded).
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidGeometry, InvalidInput
from gis.grid.coverage import PRECISION_DEG

GRID = PRECISION_DEG
# Where a new edge crosses an old one next to an old vertex, the crossing rounds to a grid
# point a step or two from that vertex: a micro-edge that noding would copy into the
# neighbours at slightly different places (a hairline overlap). New vertices this close
# to an old vertex are moved onto it (the same for every shape of the edit, so they agree).
SETTLE_DEG = 2.5 * GRID


def settle(shapes: dict[str, Polygon], originals: list[Polygon]) -> dict[str, Polygon]:
    """The shapes with vertices within SETTLE_DEG of an original vertex moved onto it.

    (GEOS snapping will not move a vertex onto a point the shape already has, which is
    exactly the case here: hence by hand.)"""
    points = shapely.points(np.unique(shapely.get_coordinates(originals), axis=0))
    tree = shapely.STRtree(points)
    out = {}
    for code, shape in shapes.items():
        coords = shapely.get_coordinates(shape)
        vertex, nearest = tree.query_nearest(shapely.points(coords), max_distance=SETTLE_DEG,
                                             all_matches=False)
        moved = coords.copy()
        moved[vertex] = shapely.get_coordinates(points[nearest])
        if np.array_equal(moved, coords):
            out[code] = shape
            continue
        settled = shapely.remove_repeated_points(shapely.transform(shape, lambda _, m=moved: m))
        fine = settled.geom_type == "Polygon" and settled.is_valid and not settled.is_empty
        out[code] = shapely.normalize(settled) if fine else shape
    return out


def _one_polygon(geom: BaseGeometry, *, code: str, where: str) -> Polygon:
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if not polygons:
        raise InvalidGeometry(f"the edit would leave nothing of cell {code}: remove or merge "
                              "it instead", where=where,
                              details={"reason": "nothing_left", "code": code})
    if len(polygons) > 1:
        raise InvalidGeometry(f"the edit would cut cell {code} into {len(polygons)} parts; "
                              "a cell must stay one polygon", where=where,
                              details={"reason": "cut_into_parts", "code": code,
                                       "parts": len(polygons)})
    return shapely.normalize(polygons[0])


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of an overlay result: a fixed-precision overlay may add collapsed
    lines or points (a GeometryCollection) where an edge runs one grid step from another."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    return shapely.union_all(parts, grid_size=GRID) if parts else Polygon()


def _shared_length(a: BaseGeometry, b: BaseGeometry) -> float:
    return shapely.intersection(a.boundary, b.boundary, grid_size=GRID).length


def follow_redraw(*, code: str, old: Polygon, drawn: Polygon,
                  neighbours: dict[str, Polygon]) -> dict[str, Polygon]:
    """The new shapes of `code` and of the neighbours that change, when `code` is redrawn.

    `drawn` is clipped to `code` and its neighbours; neighbours lose what it covers; each
    part `code` gives up goes to the neighbour with which it shares the longest stretch of
    boundary, and a part no neighbour borders (on the outer edge) stays with `code`."""
    region = shapely.union_all([old, *neighbours.values()], grid_size=GRID)
    new = polygonal(shapely.intersection(drawn, region, grid_size=GRID))
    result = {n: polygonal(shapely.difference(shape, new, grid_size=GRID))
              for n, shape in neighbours.items()}
    given_up = shapely.difference(old, new, grid_size=GRID)
    for part in shapely.get_parts(given_up):
        if part.geom_type != "Polygon" or part.area == 0:
            continue
        shared = {n: _shared_length(part, neighbours[n]) for n in neighbours}
        best = max(shared, key=lambda n: (shared[n], n), default=None)
        if best is None or shared[best] == 0:
            new = polygonal(shapely.union(new, part, grid_size=GRID))
        else:
            result[best] = polygonal(shapely.union(result[best], part, grid_size=GRID))
    out = {code: _one_polygon(new, code=code, where="geometry")}
    for n, shape in result.items():
        if not shapely.equals(shape, neighbours[n]):
            out[n] = _one_polygon(shape, code=n, where="geometry")
    return settle(out, [old, *neighbours.values()])


def building_regions(cell: Polygon, spots: dict[int, Point]) -> dict[int, Polygon]:
    """The area around each building of a cell: its Voronoi region (by its spot) in the cell.

    Buildings at the same spot share one region (each gets it)."""
    unique = shapely.MultiPoint(sorted({(p.x, p.y) for p in spots.values()}))
    if len(unique.geoms) == 1:
        return {building: cell for building in spots}
    regions = shapely.voronoi_polygons(unique, extend_to=cell)
    clipped = [polygonal(shapely.intersection(r, cell, grid_size=GRID))
               for r in shapely.get_parts(regions)]
    tree = shapely.STRtree(clipped)
    out = {}
    for building, spot in spots.items():
        hits = [clipped[i] for i in tree.query(spot, predicate="intersects")]
        out[building] = shapely.union_all(hits, grid_size=GRID) if hits else Polygon()
    return out


def paint(*, to: str, to_shape: Polygon, sources: dict[str, Polygon],
          painted: dict[str, dict[int, Polygon]]) -> dict[str, Polygon]:
    """New shapes of `to` and of the source cells when the given areas move to `to`.

    `painted` is, per source code, the region of each painted building. Each region must
    touch `to` or a region that does (so `to` stays one polygon); else InvalidInput naming
    the buildings that cannot be reached."""
    pending = {(code, b): region for code, regions in painted.items()
               for b, region in regions.items() if not region.is_empty}
    grown = to_shape
    while True:
        reached = [key for key, region in pending.items() if _shared_length(region, grown) > 0]
        if not reached:
            break
        grown = polygonal(shapely.union_all([grown, *(pending.pop(k) for k in reached)],
                                            grid_size=GRID))
    if pending:
        buildings = sorted(b for _, b in pending)
        raise InvalidInput(f"buildings {', '.join(map(str, buildings[:10]))} are not next to "
                           f"cell {to} (nor to other painted buildings that are): paint only "
                           "buildings along its boundary", where="buildings",
                           details={"buildings": buildings[:50]})
    out = {to: _one_polygon(grown, code=to, where="buildings")}
    for code, shape in sources.items():
        left = polygonal(shapely.difference(shape, grown, grid_size=GRID))
        out[code] = _one_polygon(left, code=code, where="buildings")
    return settle(out, [to_shape, *sources.values()])
