"""Generic tiling helpers shared by proposals and the demo: metric frames, fragments, numbering."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# Every overlay snaps to this grid (degrees, about 1 µm) so that two pieces cut from the
# same parent carry bit-identical shared edges and unions leave no slivers behind. What is
# stored is then rounded to the coarser precision grid and noded (gis.grid.coverage).
GRID_DEG = 1e-11
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LocalFrame:
    """Equirectangular metres around (lon0, lat0).

    Affine on purpose: straight edges stay straight when mapped back to degrees, so a
    Voronoi diagram drawn here is still a tiling in lon/lat. Scale error over a district
    (< 1 %) does not matter for generating shapes; measure areas with equal_area_crs.
    """

    lon0: float
    lat0: float

    @classmethod
    def around(cls, geom: BaseGeometry) -> LocalFrame:
        centre = geom.centroid
        return cls(centre.x, centre.y)

    @property
    def metres_per_degree(self) -> tuple[float, float]:
        per_deg = EARTH_RADIUS_M * math.pi / 180.0
        return per_deg * math.cos(math.radians(self.lat0)), per_deg

    def to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        kx, ky = self.metres_per_degree
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        return np.column_stack(((lonlat[:, 0] - self.lon0) * kx, (lonlat[:, 1] - self.lat0) * ky))

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        kx, ky = self.metres_per_degree
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.column_stack((xy[:, 0] / kx + self.lon0, xy[:, 1] / ky + self.lat0))


def shared_border_lengths(geom: BaseGeometry, others) -> np.ndarray:
    """Length (in degrees) of the border geom shares with each of others."""
    others = np.asarray(others, dtype=object)
    if not len(others):
        return np.zeros(0)
    lengths = np.zeros(len(others))
    touching = shapely.intersects(others, geom)
    if touching.any():
        common = shapely.intersection(
            shapely.boundary(others[touching]), geom.boundary, grid_size=GRID_DEG
        )
        lengths[touching] = shapely.length(common)
    return lengths


def absorb_fragments(mains: list, fragments: list, *, islands_join_nearest: bool = False) -> list:
    """Merge each fragment into the piece sharing its longest border with it.

    A merge that would make a single Polygon into a multi-part one waits (it may touch
    another piece later) unless islands_join_nearest. Fragments that touch no piece at
    all (islands) become pieces of their own, or join the nearest piece if asked."""
    pending = sorted(fragments, key=lambda part: -part.area)
    while pending:
        waiting = []
        for fragment in pending:
            borders = shared_border_lengths(fragment, mains)
            if len(borders) and borders.max() > 0:
                best = int(np.argmax(borders))
                merged = shapely.union(mains[best], fragment, grid_size=GRID_DEG)
                if islands_join_nearest or merged.geom_type == "Polygon":
                    mains[best] = merged
                    continue
            waiting.append(fragment)
        if len(waiting) == len(pending):
            island = waiting.pop(0)  # touches no piece at all: largest such part first
            if islands_join_nearest and mains:
                nearest = int(np.argmin(shapely.distance(island, mains)))
                mains[nearest] = shapely.union(mains[nearest], island, grid_size=GRID_DEG)
            else:
                mains.append(island)
        pending = waiting
    return mains


def serial_order(geoms) -> list[int]:
    """Indices of geoms in serial order: rows north→south, west→east within a row.

    Rows come from a sweep down the centroids: a geometry opens a new row when its
    centroid lies more than half a band below the first centroid of the current row. The
    band is the median bounding-box height (the typical geometry size), or for points the
    typical spacing. order[k] is the index of the geometry that gets serial k + 1.
    """
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return []
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    bounds = shapely.bounds(geoms)
    band = float(np.median(bounds[:, 3] - bounds[:, 1]))
    if band <= 0:
        band = float(np.ptp(centres[:, 1])) / math.sqrt(len(geoms)) or 1.0
    rows = np.zeros(len(geoms), dtype=int)
    row, row_top = 0, centres[:, 1].max()
    for index in np.argsort(-centres[:, 1], kind="stable"):
        if centres[index, 1] < row_top - band / 2:
            row, row_top = row + 1, centres[index, 1]
        rows[index] = row
    return np.lexsort((centres[:, 0], rows)).tolist()
