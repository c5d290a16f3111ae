"""A first cut of cells for one village: balanced recursive bisection of its household points.

Pure shapely/numpy (no database), so it is tested with hand-made points.

1. How many cells: households / the middle of the band, kept inside [ceil(n/max), floor(n/min)].
2. Recursive bisection (a k-d tree with balanced weights): a box holding points wanted as k
   cells is cut across its longer side (in metres) where the households split k//2 : k-k//2.
   Cutting the longer side keeps boxes squarish, hence compact. Cuts fall midway between
   two neighbouring points, never through one, so every household is on one side.
3. The leaf boxes tile the village's bounding box; clipped to the village they tile the
   village exactly (no gaps, no overlaps). These straight cut lines are the exact
   separators of the point clusters, which a Voronoi diagram of the clusters' members would
   only approximate with ragged edges and many more vertices.
4. A box clipped to a non-convex village may fall into parts: the part holding most of its
   households stays; every other part joins the cell it shares the longest border with.
   A part touching no cell (an island of the village) becomes a cell of its own.
5. Serials run west→east, north→south (gis.grid.tiling.serial_order).

Roads are followed by gis.grid.propose_roads, which uses this bisection for blocks
holding more households than the band's maximum.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidInput
from gis.grid.tiling import GRID_DEG, LocalFrame, absorb_fragments, serial_order


@dataclass(frozen=True)
class ProposedCell:
    serial: int
    geom: Polygon  # lon/lat, EPSG:4326
    households: int
    compactness: float  # Polsby-Popper 4*pi*A/P^2 in local metres
    # What its borders with other cells follow: "roads" (all of them), "straight" (at least
    # one straight cut), "none" (the only cell of its village: no inner border at all).
    borders: str = "straight"


@dataclass(frozen=True)
class VillageProposal:
    cells: list[ProposedCell]
    households: int
    band: tuple[int, int]

    @property
    def in_band(self) -> int:
        low, high = self.band
        return sum(low <= cell.households <= high for cell in self.cells)

    @property
    def mean_compactness(self) -> float:
        return float(np.mean([cell.compactness for cell in self.cells]))


def check_band(band: tuple[int, int]) -> tuple[int, int]:
    low, high = band
    if not 1 <= low <= high:
        raise InvalidInput(f"household band {low}..{high} must satisfy 1 <= min <= max",
                           where="households")
    return low, high


def cell_count(households: int, band: tuple[int, int]) -> int:
    """Cells for this many households: near the band's middle, never above its maximum."""
    low, high = check_band(band)
    if households == 0:
        return 1
    fewest = math.ceil(households / high)
    most = max(households // low, fewest)
    return min(max(round(households / ((low + high) / 2)), fewest), most)


def propose_village(village: BaseGeometry, points: np.ndarray, weights: np.ndarray,
                    band: tuple[int, int]) -> VillageProposal:
    """Cells tiling `village` (lon/lat) for households at `points` (lon/lat, weights each)."""
    points, weights = as_arrays(points, weights)
    village = shapely.set_precision(village, GRID_DEG)
    frame = LocalFrame.around(village)
    pieces = bisected_pieces(village, points, weights,
                             cell_count(int(weights.sum()), band), frame)
    borders = ["straight" if len(pieces) > 1 else "none"] * len(pieces)
    return build_proposal(pieces, borders, points, weights, band, frame)


def as_arrays(points, weights) -> tuple[np.ndarray, np.ndarray]:
    return (np.asarray(points, dtype=float).reshape(-1, 2),
            np.asarray(weights, dtype=float).reshape(-1))


def bisected_pieces(area: BaseGeometry, points: np.ndarray, weights: np.ndarray, k: int,
                    frame: LocalFrame) -> list:
    """k single Polygons tiling `area` (lon/lat, on the GRID_DEG grid), by straight cuts."""
    xy = frame.to_xy(points)
    west, south, east, north = area.bounds
    (left, bottom), (right, top) = frame.to_xy(np.array([[west, south], [east, north]]))
    pad = 1.0  # metres: the outer box must cover the area's edge points too
    boxes = _bisect(xy, weights, k, (left - pad, bottom - pad, right + pad, top + pad))
    lonlat_boxes = [shapely.box(*frame.to_lonlat(np.array([b[:2], b[2:]])).ravel())
                    for b in boxes]
    return _clip(lonlat_boxes, area, points, weights)


def build_proposal(pieces: list, borders: list[str], points: np.ndarray, weights: np.ndarray,
                   band: tuple[int, int], frame: LocalFrame) -> VillageProposal:
    """Count, measure and number the pieces (borders[i]: what piece i's inner borders follow)."""
    counts = count_in(pieces, points, weights)
    metric = shapely.transform(np.array(pieces, dtype=object), frame.to_xy)
    compactness = 4 * math.pi * shapely.area(metric) / shapely.length(metric) ** 2
    cells = [ProposedCell(serial=serial, geom=shapely.normalize(pieces[index]),
                          households=int(counts[index]), compactness=float(compactness[index]),
                          borders=borders[index])
             for serial, index in enumerate(serial_order(pieces), 1)]
    return VillageProposal(cells=cells, households=int(weights.sum()), band=band)


def _bisect(xy: np.ndarray, weights: np.ndarray, k: int, box: tuple) -> list[tuple]:
    """k boxes tiling `box`, each holding about 1/k of the weight (metres)."""
    if k <= 1 or len(xy) < 2:
        return [box]
    left, bottom, right, top = box
    axes = (0, 1) if right - left >= top - bottom else (1, 0)
    for axis in axes:
        cut = _balanced_cut(xy[:, axis], weights, (k // 2) / k)
        if cut is not None:
            break
    else:
        return [box]  # every point at one spot: one cell, whatever the band says
    low_side = xy[:, axis] < cut
    if axis == 0:
        first, second = (left, bottom, cut, top), (cut, bottom, right, top)
    else:
        first, second = (left, bottom, right, cut), (left, cut, right, top)
    return (_bisect(xy[low_side], weights[low_side], k // 2, first)
            + _bisect(xy[~low_side], weights[~low_side], k - k // 2, second))


def _balanced_cut(coords: np.ndarray, weights: np.ndarray, share: float) -> float | None:
    """The coordinate between two distinct neighbouring points that best splits the weight."""
    order = np.argsort(coords, kind="stable")
    sorted_coords = coords[order]
    below = np.cumsum(weights[order])[:-1]  # weight on the low side when cutting after i
    distinct = sorted_coords[1:] > sorted_coords[:-1]
    if not distinct.any():
        return None
    error = np.where(distinct, np.abs(below - share * weights.sum()), np.inf)
    i = int(np.argmin(error))
    return float((sorted_coords[i] + sorted_coords[i + 1]) / 2)


def _clip(boxes: list, village: BaseGeometry, points: np.ndarray, weights: np.ndarray) -> list:
    """Boxes clipped to the village, one Polygon each; stray parts join a neighbour."""
    mains, fragments = [], []
    for clipped in shapely.intersection(boxes, village, grid_size=GRID_DEG):
        parts = [p for p in shapely.get_parts(clipped) if p.geom_type == "Polygon"]
        if not parts:
            continue
        held = count_in(parts, points, weights)
        keep = max(range(len(parts)), key=lambda i: (held[i], parts[i].area))
        mains.append(parts[keep])
        fragments.extend(p for i, p in enumerate(parts) if i != keep)
    return absorb_fragments(mains, fragments)


def count_in(pieces: list, points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Households per piece; a point on a shared edge counts once, in the first piece."""
    counts = np.zeros(len(pieces))
    if not len(points):
        return counts
    tree = shapely.STRtree(pieces)
    point_index, piece_index = tree.query(shapely.points(points), predicate="covered_by")
    first = {}
    for p, g in zip(point_index.tolist(), piece_index.tolist(), strict=True):
        first[p] = min(first.get(p, g), g)
    for p, g in first.items():
        counts[g] += weights[p]
    return counts
