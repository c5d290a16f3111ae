"""Generic tiling helpers: local metric frames, Voronoi partitions of a parent, serial numbering."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pyproj
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from gis.grid.tiling import (  # noqa: F401  (re-exported for the demo modules)
    EARTH_RADIUS_M,
    GRID_DEG,
    LocalFrame,
    absorb_fragments,
    serial_order,
    shared_border_lengths,
)

LLOYD_ROUNDS = 15
LLOYD_SETTLED_M = 1.0  # stop once no k-means centre moves further than this


def equal_area_crs(geom: BaseGeometry) -> pyproj.CRS:
    """An Albers equal-area CRS fitted to geom's extent (standard parallels at 1/6 and 5/6)."""
    west, south, east, north = geom.bounds
    span = north - south
    return pyproj.CRS.from_proj4(
        f"+proj=aea +lat_0={(south + north) / 2} +lon_0={(west + east) / 2} "
        f"+lat_1={south + span / 6} +lat_2={north - span / 6} +datum=WGS84 +units=m +no_defs"
    )


def to_crs(geoms, crs: pyproj.CRS, *, densify_deg: float | None = 5e-5):
    """Project lon/lat geometries (EPSG:4326) to crs, vertex by vertex.

    Edges are straight lines in lon/lat (as PostGIS geometry stores them) but curve under
    the projection, so they are densified first (5e-5 degrees, about 5 m); otherwise two
    tilings of the same area that place vertices differently along an edge would seem to
    disagree by hundreds of m².
    """
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    if densify_deg:
        geoms = shapely.segmentize(geoms, densify_deg)
    return shapely.transform(geoms, project)


def sample_uniform(geom: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n lon/lat points uniformly inside geom (rejection from its bounding box)."""
    west, south, east, north = geom.bounds
    shapely.prepare(geom)
    chunks, have = [], 0
    while have < n:
        batch = rng.uniform((west, south), (east, north), size=(2 * (n - have) + 16, 2))
        batch = batch[shapely.contains_xy(geom, batch[:, 0], batch[:, 1])]
        chunks.append(batch)
        have += len(batch)
    return np.concatenate(chunks)[:n]


def cluster_sites(
    points: np.ndarray, k: int, *, frame: LocalFrame, rng: np.random.Generator, balance: float
) -> np.ndarray:
    """k well-spread lon/lat sites for a Voronoi partition of the region points came from.

    Weighted k-means (Lloyd) on points sampled from a density rho, each point weighted by
    its local density estimate to the power balance: balance 0 is plain k-means (cells
    hold ~rho^0.5 of the points, so denser cells are fuller), balance 1 gives cells holding
    equal numbers of points. Each centre then moves onto its nearest point, so the site
    lies inside the parent even when the parent is not convex.
    """
    if k >= len(points):
        return np.unique(points, axis=0)
    xy = frame.to_xy(points)
    weight = local_density(xy) ** balance
    centres = xy[rng.choice(len(xy), size=k, replace=False, p=weight / weight.sum())]
    for _ in range(LLOYD_ROUNDS):
        _, label = cKDTree(centres).query(xy)
        mass = np.bincount(label, weights=weight, minlength=k)
        sums = np.column_stack([np.bincount(label, weights=weight * xy[:, axis], minlength=k)
                                for axis in (0, 1)])
        filled = mass > 0  # an empty cluster keeps its centre
        moved = centres.copy()
        moved[filled] = sums[filled] / mass[filled, None]
        settled = np.abs(moved - centres).max() < LLOYD_SETTLED_M
        centres = moved
        if settled:
            break
    _, nearest = cKDTree(xy).query(centres)
    return points[np.unique(nearest)]


def local_density(xy: np.ndarray, neighbours: int = 8) -> np.ndarray:
    """Relative point density around each point: 1 / (area of the circle to the k-th neighbour)."""
    neighbours = min(neighbours, len(xy) - 1)
    if neighbours < 1:
        return np.ones(len(xy))
    distance, _ = cKDTree(xy).query(xy, k=neighbours + 1)
    return 1.0 / np.maximum(distance[:, -1], 1e-6) ** 2


class Partition(NamedTuple):
    """Pieces of a parent; sites[i] is the generating point of pieces[i]."""

    pieces: list[BaseGeometry]
    sites: np.ndarray


def voronoi_partition(
    parent: BaseGeometry, sites: np.ndarray, *, frame: LocalFrame, allow_multipart: bool
) -> Partition:
    """Tile parent with the Voronoi cells of sites (lon/lat; duplicates dropped, sorted).

    A Voronoi cell clipped to a non-convex parent may fall apart. The part holding the
    site stays (the largest part if none does), so each piece contains its own site; every
    other part joins the piece it shares the longest border with. A part touching no
    other piece (an island of a multipart parent) joins the nearest piece when
    allow_multipart, else it becomes a piece of its own (its site: a point on it).
    """
    sites = np.unique(np.asarray(sites, dtype=float).reshape(-1, 2), axis=0)
    cells = _voronoi_cells(parent, sites, frame)
    clipped = shapely.intersection(cells, parent, grid_size=GRID_DEG)
    mains, fragments, kept = [], [], []
    for index, geom in enumerate(clipped):
        parts = sorted(_polygons(geom), key=lambda part: -part.area)
        if parts:
            holds_site = shapely.intersects_xy(parts, *sites[index])
            main = int(np.argmax(holds_site)) if holds_site.any() else 0
            mains.append(parts.pop(main))
            kept.append(index)
            fragments.extend(parts)
    pieces = absorb_fragments(mains, fragments, islands_join_nearest=allow_multipart)
    islands = shapely.get_coordinates(shapely.point_on_surface(pieces[len(kept):]))
    return Partition(pieces, np.concatenate([sites[kept], islands.reshape(-1, 2)]))


def _voronoi_cells(parent: BaseGeometry, sites: np.ndarray, frame: LocalFrame) -> np.ndarray:
    if len(sites) == 1:  # GEOS draws no diagram for one site: its cell is everything
        west, south, east, north = parent.bounds
        return np.array([shapely.box(west - 1.0, south - 1.0, east + 1.0, north + 1.0)])
    xy = frame.to_xy(sites)
    corners = frame.to_xy(np.reshape(parent.bounds, (2, 2)))
    everything = np.vstack([xy, corners])
    pad = float(np.ptp(everything, axis=0).max()) + 1_000.0
    extent = shapely.box(*(everything.min(axis=0) - pad), *(everything.max(axis=0) + pad))
    diagram = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent, ordered=True)
    cells = shapely.get_parts(diagram)
    return shapely.transform(cells, frame.to_lonlat)


def _polygons(geom: BaseGeometry) -> list[BaseGeometry]:
    parts = shapely.get_parts(geom)
    return [part for part in parts if part.geom_type == "Polygon" and not part.is_empty]


def locate(points: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Index (in tree) of the polygon strictly containing each lon/lat point; -1 if none."""
    owners = np.full(len(points), -1)
    point_index, geom_index = tree.query(shapely.points(points), predicate="within")
    owners[point_index] = geom_index
    return owners


def draw_inside(
    draw: Callable[[int], np.ndarray], tree: shapely.STRtree, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """count lon/lat points from draw(n), each strictly inside a polygon of tree, and its index.

    Points inside none (outside, or exactly on an edge) are drawn again.
    """
    points, owners, have = [], [], 0
    while have < count:
        batch = draw(count - have)
        found = locate(batch, tree)
        points.append(batch[found >= 0])
        owners.append(found[found >= 0])
        have += int((found >= 0).sum())
    return np.concatenate(points), np.concatenate(owners)


def split_by_owner(points: np.ndarray, geoms) -> list[np.ndarray]:
    """The lon/lat points strictly inside each of geoms (a point in none is left out)."""
    owners = locate(points, shapely.STRtree(geoms))
    return [points[owners == index] for index in range(len(geoms))]


def apportion(weights: np.ndarray, total: int, *, minimum: int = 0) -> np.ndarray:
    """Split total into integers proportional to weights (largest remainder), each >= minimum.

    All-zero weights split evenly. If total cannot give everyone the minimum, the result
    is the minimum everywhere and sums to more than total.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        weights = np.ones(len(weights))
    spare = max(total - minimum * len(weights), 0)
    shares = weights / weights.sum() * spare
    counts = np.floor(shares).astype(int)
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[: spare - counts.sum()]] += 1
    return counts + minimum
