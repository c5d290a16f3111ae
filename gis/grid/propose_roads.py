"""Cells that follow roads: cut a village into blocks along its roads, then merge blocks.

Pure shapely/numpy like gis.grid.propose, whose straight bisection it falls back on.

1. Blocks: the village boundary and the roads clipped to it are noded together on the
   GRID_DEG grid and polygonized. Faces outside the village (its holes) are dropped; a
   dead-end road bounds nothing and so cuts nothing. Blocks under SLIVER_M2 (a road
   drawn along the boundary) join the neighbour they share the longest border with.
2. A block holding more households than the band's maximum is split by the straight
   bisection of gis.grid.propose, restricted to that block.
3. Greedy merge from the north-west (serial order of the blocks): a seed grows by the
   unassigned neighbour (shared border > 0) that keeps it within the maximum and gives
   the most compact union (Polsby-Popper), until it holds the middle of the band or no
   neighbour fits. The middle, not the maximum, so the next seed is not left starved.
4. A cell still under the minimum joins the neighbouring cell that stays within the
   maximum, most compact union first; if none does, it stays (the band cannot be met).
5. A cell's borders "follow roads" when every border it shares with another cell runs
   between two blocks; bordering a sibling piece of a split block is a straight cut.

Without roads crossing the village this is exactly gis.grid.propose.propose_village.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.grid import propose
from gis.grid.propose import VillageProposal, as_arrays, bisected_pieces, build_proposal
from gis.grid.tiling import GRID_DEG, LocalFrame, absorb_fragments, serial_order

# Square metres: a block smaller than this is an artefact of a road traced along the
# village boundary (or two roads drawn twice), not a place where households live.
SLIVER_M2 = 1.0


def propose_village(village: BaseGeometry, points: np.ndarray, weights: np.ndarray,
                    band: tuple[int, int], roads: BaseGeometry | None = None
                    ) -> VillageProposal:
    """Cells tiling `village` whose inner borders follow `roads` (lon/lat) where they can."""
    points, weights = as_arrays(points, weights)
    village = shapely.set_precision(village, GRID_DEG)
    frame = LocalFrame.around(village)
    blocks = road_blocks(village, roads, frame) if roads is not None else []
    if len(blocks) < 2:  # no road crosses the village: nothing to follow
        return propose.propose_village(village, points, weights, band)
    units, parents = _split_crowded(blocks, points, weights, band, frame)
    counts = np.bincount(owners(units, points) + 1, weights=weights,
                         minlength=len(units) + 1)[1:]
    shared = _shared_metres(units, frame)
    metric = shapely.transform(np.array(units, dtype=object), frame.to_xy)
    shape = (shapely.area(metric), shapely.length(metric))
    groups = _grow(counts, shape, shared, serial_order(units), band)
    groups = _join_small(groups, counts, shape, shared, band)
    pieces = [shapely.union_all([units[i] for i in members], grid_size=GRID_DEG)
              for members in groups]
    borders = [_border_kind(members, shared, parents) for members in groups]
    return build_proposal(pieces, borders, points, weights, band, frame)


def road_blocks(village: BaseGeometry, roads: BaseGeometry, frame: LocalFrame) -> list:
    """The village cut along the roads: single Polygons tiling it (lon/lat)."""
    clipped = shapely.intersection(roads, village, grid_size=GRID_DEG)
    lines = [p for p in shapely.get_parts(clipped)
             if p.geom_type in ("LineString", "LinearRing")]
    if not lines:
        return []
    # union_all nodes the lines (a vertex wherever two cross) so polygonize sees every face.
    edges = shapely.union_all([shapely.boundary(village), *lines], grid_size=GRID_DEG)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    faces = faces[shapely.covered_by(shapely.point_on_surface(faces), village)]
    areas = shapely.area(shapely.transform(faces, frame.to_xy))
    mains, slivers = list(faces[areas >= SLIVER_M2]), list(faces[areas < SLIVER_M2])
    return absorb_fragments(mains, slivers, islands_join_nearest=True) if mains else []


def owners(pieces: list, points: np.ndarray) -> np.ndarray:
    """Index of the piece holding each point (the first one on a shared edge), -1 if none."""
    owner = np.full(len(points), -1)
    if not len(points) or not len(pieces):
        return owner
    point_index, piece_index = shapely.STRtree(pieces).query(
        shapely.points(points), predicate="covered_by")
    for p, g in sorted(zip(point_index.tolist(), piece_index.tolist(), strict=True),
                       reverse=True):
        owner[p] = g  # sorted descending, so the smallest piece index is written last
    return owner


def _split_crowded(blocks: list, points: np.ndarray, weights: np.ndarray,
                   band: tuple[int, int], frame: LocalFrame) -> tuple[list, list[int]]:
    """Blocks over the maximum bisected by straight cuts; parents[i]: block of unit i."""
    owner = owners(blocks, points)
    units, parents = [], []
    for index, block in enumerate(blocks):
        inside = owner == index
        held = int(weights[inside].sum())
        parts = [block]
        if held > band[1]:
            parts = bisected_pieces(block, points[inside], weights[inside],
                                    propose.cell_count(held, band), frame)
        units += parts
        parents += [index] * len(parts)
    return units, parents


def _shared_metres(units: list, frame: LocalFrame) -> dict[int, dict[int, float]]:
    """Length in metres of the border each pair of touching units shares."""
    geoms = np.array(units, dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Intersect in lon/lat on the grid (where shared edges are identical), measure in metres.
    common = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]),
                                  grid_size=GRID_DEG)
    lengths = shapely.length(shapely.transform(common, frame.to_xy))
    shared: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, length in zip(left.tolist(), right.tolist(), lengths.tolist(), strict=True):
        if length > 0:
            shared[i][j] = shared[j][i] = length
    return shared


def _polsby_popper(area: float, perimeter: float) -> float:
    return 4 * math.pi * area / perimeter ** 2 if perimeter > 0 else 0.0


def _grow(counts: np.ndarray, shape: tuple, shared: dict, order: list[int],
          band: tuple[int, int]) -> list[list[int]]:
    """Greedy cells of units, seeded in serial order (north-west first)."""
    areas, perimeters = shape
    target, high = sum(band) / 2, band[1]
    taken = np.zeros(len(counts), dtype=bool)
    groups = []
    for seed in order:
        if taken[seed]:
            continue
        members, total = [seed], counts[seed]
        area, perimeter, taken[seed] = areas[seed], perimeters[seed], True
        touching = defaultdict(float, shared[seed])
        while total < target:
            fits = [(_polsby_popper(area + areas[j], perimeter + perimeters[j] - 2 * border), j)
                    for j, border in touching.items()
                    if not taken[j] and total + counts[j] <= high]
            if not fits:
                break
            _, best = max(fits)
            members.append(best)
            total += counts[best]
            area += areas[best]
            perimeter += perimeters[best] - 2 * touching[best]
            taken[best] = True
            for j, length in shared[best].items():
                touching[j] += length
        groups.append(members)
    return groups


def _join_small(groups: list[list[int]], counts: np.ndarray, shape: tuple, shared: dict,
                band: tuple[int, int]) -> list[list[int]]:
    """Cells under the minimum join a neighbouring cell that stays within the maximum."""
    areas, perimeters = shape
    low, high = band
    while True:
        held = [counts[g].sum() for g in groups]
        group_of = {unit: index for index, members in enumerate(groups) for unit in members}
        for small in sorted(range(len(groups)), key=lambda g: held[g]):
            if held[small] >= low:
                return groups
            borders = defaultdict(float)
            for unit in groups[small]:
                for other, length in shared[unit].items():
                    if group_of[other] != small:
                        borders[group_of[other]] += length
            area = areas[groups[small]].sum()
            perimeter = perimeters[groups[small]].sum()
            fits = [(_polsby_popper(area + areas[groups[g]].sum(),
                                    perimeter + perimeters[groups[g]].sum() - 2 * border), g)
                    for g, border in borders.items()
                    if held[small] == 0 or held[small] + held[g] <= high]
            if fits:
                _, into = max(fits)
                groups[into] = groups[into] + groups[small]
                del groups[small]
                break  # the groups changed: recount and start again from the smallest
        else:
            return groups


def _border_kind(members: list[int], shared: dict, parents: list[int]) -> str:
    """"straight" if a border with another cell cuts a block, "roads" if none does,
    "none" if the cell borders no other cell."""
    inside = set(members)
    kind = "none"
    for unit in members:
        for other in shared[unit]:
            if other in inside:
                continue
            if parents[other] == parents[unit]:
                return "straight"
            kind = "roads"
    return kind
