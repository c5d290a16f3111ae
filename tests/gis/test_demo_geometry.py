"""Demo geometry: partitions tile exactly, codes follow the rules, buildings sit in cells."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, box

from gis.demo.buildings import place_buildings
from gis.demo.geometry import (
    DEDICATED_TYPES,
    SIZES,
    RegionSet,
    build_cells,
    build_regions,
    load_district,
    load_district_boundary,
)
from gis.demo.partition import (
    LocalFrame,
    apportion,
    equal_area_crs,
    serial_order,
    to_crs,
    voronoi_partition,
)
from gis.errors import InvalidInput, NotFound

SMALL = SIZES["small"]
SEED = 11
TOLERANCE_M2 = 1.0  # gaps and overlaps allowed between a parent and its children
# 铜梁区 (the demo district), 璧山区 next to it, and 铁门关市 whose source geometry is an
# invalid 17-part MultiPolygon that must be repaired.
ADCODES = ["500151", "500120", "659006"]


@dataclass
class Demo:
    adcode: str
    regions: RegionSet
    cells: list[dict]
    buildings: pd.DataFrame


def build_demo(adcode: str, seed: int = SEED) -> Demo:
    name, boundary = load_district(adcode)
    regions = build_regions(boundary=boundary, size=SMALL, seed=seed, adcode=adcode,
                            district_name=name)
    cells = build_cells(regions=regions, size=SMALL, seed=seed + 1)
    buildings = place_buildings(cells=cells, regions=regions, size=SMALL, seed=seed + 2)
    return Demo(adcode, regions, cells, buildings)


@pytest.fixture(scope="module", params=ADCODES)
def demo(request) -> Demo:
    return build_demo(request.param)


def tiling_errors_m2(parent, children) -> tuple[float, float]:
    """(area of parent not covered plus children outside it, area covered twice), in m²."""
    # In lon/lat, where the stored edges are straight: parent and children share their
    # vertices (one noded coverage), and projecting or densifying each ring on its own
    # would bend shared borders apart by more than the tolerance. Areas in degrees² are
    # turned into m² at the parent's latitude (< 1 % off over a district).
    pieces = np.asarray(children, dtype=object)
    whole = shapely.union_all(pieces)
    per_deg = 6_371_008.8 * np.pi / 180
    m2 = per_deg ** 2 * np.cos(np.radians(parent.centroid.y))
    mismatch = parent.difference(whole).area + whole.difference(parent).area
    return mismatch * m2, float(shapely.area(pieces).sum() - whole.area) * m2


def children_of(parents: list[dict], children: list[dict], key: str = "parent_code"):
    for parent in parents:
        yield parent, [child for child in children if child[key] == parent["code"]]


# --- the district boundary ---------------------------------------------------------------

def test_boundary_is_the_real_district():
    name, boundary = load_district("500151")
    area_km2 = to_crs(boundary, equal_area_crs(boundary)).area / 1e6
    assert name == "铜梁区"
    assert boundary.is_valid and boundary.geom_type in {"Polygon", "MultiPolygon"}
    assert 1_300 < area_km2 < 1_400  # 铜梁区 covers about 1,340 km²
    assert load_district_boundary("500151").equals_exact(boundary, 0)


def test_an_invalid_source_boundary_is_repaired():
    assert load_district_boundary("659006").is_valid


@pytest.mark.parametrize(("adcode", "error"), [("999999", NotFound), ("5001", InvalidInput)])
def test_unknown_or_malformed_adcode_is_refused(adcode, error):
    with pytest.raises(error):
        load_district_boundary(adcode)


# --- tiling ------------------------------------------------------------------------------

def test_small_keeps_one_town_inside_the_district(demo):
    (town,) = demo.regions.towns
    district = demo.regions.district["geometry"]
    outside, _ = tiling_errors_m2(town["geometry"], [town["geometry"].intersection(district)])
    assert outside < TOLERANCE_M2  # measured in lon/lat, as tiling_errors_m2 says why
    assert town["geometry"].area < 0.2 * district.area


def test_villages_tile_their_town(demo):
    for town, villages in children_of(demo.regions.towns, demo.regions.villages):
        mismatch, overlap = tiling_errors_m2(town["geometry"], [v["geometry"] for v in villages])
        assert mismatch < TOLERANCE_M2 and overlap < TOLERANCE_M2, town["code"]


def test_cells_tile_their_village(demo):
    for village, cells in children_of(demo.regions.villages, demo.cells, key="village_code"):
        mismatch, overlap = tiling_errors_m2(village["geometry"], [c["geometry"] for c in cells])
        assert mismatch < TOLERANCE_M2 and overlap < TOLERANCE_M2, village["code"]


def test_towns_tile_the_whole_district_at_district_size():
    boundary = load_district_boundary("500151")
    regions = build_regions(boundary=boundary, size=SIZES["district"], seed=SEED)
    mismatch, overlap = tiling_errors_m2(boundary, [town["geometry"] for town in regions.towns])
    assert len(regions.towns) == SIZES["district"].district_towns
    assert 100 <= len(regions.villages) <= 125
    assert mismatch < TOLERANCE_M2 and overlap < TOLERANCE_M2


def test_cells_are_valid_single_polygons(demo):
    geoms = [cell["geometry"] for cell in demo.cells]
    assert all(geom.geom_type == "Polygon" for geom in geoms)
    assert shapely.is_valid(geoms).all()
    # about one cell per 325 households (the middle of the default band 150-500)
    assert 12 <= len(geoms) <= 24


def test_each_cell_lies_in_exactly_one_village(demo):
    villages = demo.regions.villages
    tree = shapely.STRtree([village["geometry"] for village in villages])
    inner_points = shapely.point_on_surface([cell["geometry"] for cell in demo.cells])
    cell_index, village_index = tree.query(inner_points, predicate="within")
    assert sorted(cell_index) == list(range(len(demo.cells)))
    for cell, village in zip(cell_index, village_index, strict=True):
        assert demo.cells[cell]["village_code"] == villages[village]["code"]


# --- codes, numbering and names ---------------------------------------------------------

def test_codes_follow_the_statistical_scheme(demo):
    adcode, regions = demo.adcode, demo.regions
    assert regions.district["code"] == adcode + "000000"
    assert all(re.fullmatch(adcode + r"\d{3}000", town["code"]) for town in regions.towns)
    for town, villages in children_of(regions.towns, regions.villages):
        serials = sorted(int(village["code"][9:]) for village in villages)
        assert serials == list(range(1, len(villages) + 1))
        assert all(re.fullmatch(town["code"][:9] + r"\d{3}", v["code"]) for v in villages)
    for village, cells in children_of(regions.villages, demo.cells, key="village_code"):
        assert sorted(int(cell["code"][12:]) for cell in cells) == list(range(1, len(cells) + 1))
        assert all(re.fullmatch(village["code"] + r"\d{3}", cell["code"]) for cell in cells)
    codes = [r["code"] for r in [*regions.towns, *regions.villages, *demo.cells]]
    assert len(codes) == len(set(codes))


def test_numbering_runs_west_to_east_then_north_to_south(demo):
    for town, villages in children_of(demo.regions.towns, demo.regions.villages):
        in_code_order = sorted(villages, key=lambda village: village["code"])
        serials = serial_order([v["geometry"] for v in in_code_order])
        assert serials == list(range(len(villages))), town["code"]
    for village, cells in children_of(demo.regions.villages, demo.cells, key="village_code"):
        in_code_order = sorted(cells, key=lambda cell: cell["code"])
        serials = serial_order([c["geometry"] for c in in_code_order])
        assert serials == list(range(len(cells))), village["code"]


def test_names_say_street_or_town_community_or_village(demo):
    for town in demo.regions.towns:
        assert town["name"].endswith("街道" if town["urban"] else "镇")
    for village in demo.regions.villages:
        assert village["name"].endswith("社区" if village["urban"] else "村")
    names = [r["name"] for r in [*demo.regions.towns, *demo.regions.villages]]
    assert len(names) == len(set(names))


def test_a_few_cells_are_dedicated(demo):
    dedicated = [cell for cell in demo.cells if cell["kind"] == "dedicated"]
    assert len(dedicated) == max(1, round(0.03 * len(demo.cells)))
    assert all(cell["dedicated_type"] in DEDICATED_TYPES for cell in dedicated)
    assert all(cell["name"].endswith("专属网格") for cell in dedicated)
    base = [cell for cell in demo.cells if cell["kind"] == "base"]
    assert all(cell["dedicated_type"] is None for cell in base)


# --- buildings and households ------------------------------------------------------------

def test_buildings_hold_the_households_strictly_inside_their_cell(demo):
    buildings = demo.buildings
    assert buildings["households_count"].sum() == SMALL.households
    assert abs(len(buildings) - SMALL.buildings) <= 0.01 * SMALL.buildings
    assert (buildings["households_count"] >= 1).all() and (buildings["floors"] >= 1).all()
    district = demo.regions.district["geometry"]
    assert shapely.contains_xy(district, buildings["lon"], buildings["lat"]).all()
    cells = {cell["code"]: cell["geometry"] for cell in demo.cells}
    for code, rows in buildings.groupby("cell_code"):
        assert shapely.contains_xy(cells[code], rows["lon"], rows["lat"]).all(), code
    assert (buildings["village_code"] == buildings["cell_code"].str[:12]).all()


def test_addresses_name_district_town_village_and_number(demo):
    towns = {town["code"]: town["name"] for town in demo.regions.towns}
    villages = {village["code"]: village for village in demo.regions.villages}
    for address, code in zip(demo.buildings["address"], demo.buildings["village_code"],
                             strict=True):
        village = villages[code]
        prefix = demo.regions.district["name"] + towns[village["parent_code"]] + village["name"]
        street = r".{2,4}(路|街|大道|巷)" if village["urban"] else r"\d+组"
        assert re.fullmatch(re.escape(prefix) + street + r"\d+号", address), address


def test_households_crowd_into_communities(demo):
    """Per km², a 社区 holds several times the households of a 村."""
    crs = equal_area_crs(demo.regions.district["geometry"])
    villages = demo.regions.villages
    area = shapely.area(to_crs(np.array([v["geometry"] for v in villages]), crs)) / 1e6
    households = demo.buildings.groupby("village_code")["households_count"].sum()
    density = households.reindex([v["code"] for v in villages], fill_value=0) / area
    urban = np.array([village["urban"] for village in villages])
    assert urban.any() and (~urban).any()
    assert density[urban].mean() > 3 * density[~urban].mean()


# --- determinism -------------------------------------------------------------------------

def test_same_seed_same_demo():
    first, second, other = build_demo("500151"), build_demo("500151"), build_demo("500151", 12)

    def fingerprint(demo: Demo) -> list:
        rows = [*demo.regions.towns, *demo.regions.villages, *demo.cells]
        return [(row["code"], row["name"], shapely.to_wkb(row["geometry"])) for row in rows]

    assert fingerprint(first) == fingerprint(second)
    pd.testing.assert_frame_equal(first.buildings, second.buildings)
    assert fingerprint(first) != fingerprint(other)


# --- the generic helpers, on hand-drawn shapes --------------------------------------------

EQUATOR = LocalFrame(0.0, 0.0)
# A comb: a bar along the bottom and three teeth; deeply non-convex.
COMB = shapely.union_all([box(0, 0, 5, 1), box(0, 0, 1, 4), box(2, 0, 3, 4), box(4, 0, 5, 4)])


def assert_tiles(parent, pieces) -> None:
    union = shapely.union_all(pieces)
    assert parent.symmetric_difference(union).area < 1e-12
    assert abs(sum(piece.area for piece in pieces) - parent.area) < 1e-12


def test_a_split_voronoi_cell_gives_its_stray_parts_to_the_longest_border():
    # The bar site's Voronoi cell also reaches into the inner sides of the outer teeth.
    sites = np.array([(2.5, 0.9), (0.5, 3.9), (2.5, 3.9), (4.5, 3.9), (0.5, 0.1), (4.5, 0.1)])
    part = voronoi_partition(COMB, sites, frame=EQUATOR, allow_multipart=False)
    assert len(part.pieces) == 6
    assert all(piece.geom_type == "Polygon" for piece in part.pieces)
    assert_tiles(COMB, part.pieces)
    holder = next(i for i, piece in enumerate(part.pieces) if piece.contains(Point(0.95, 2.0)))
    assert tuple(part.sites[holder]) == (0.5, 0.1)


def test_an_island_without_sites_is_a_piece_or_joins_the_nearest():
    parent = MultiPolygon([box(0, 0, 1, 1), box(3, 0, 4, 1)])
    sites = np.array([(0.25, 0.5), (0.75, 0.5)])
    alone = voronoi_partition(parent, sites, frame=EQUATOR, allow_multipart=False)
    joined = voronoi_partition(parent, sites, frame=EQUATOR, allow_multipart=True)
    assert [p.geom_type for p in alone.pieces] == ["Polygon"] * 3
    assert sorted(p.geom_type for p in joined.pieces) == ["MultiPolygon", "Polygon"]
    assert_tiles(parent, alone.pieces)
    assert_tiles(parent, joined.pieces)


comb_points = st.one_of(
    st.tuples(st.floats(0.01, 4.99), st.floats(0.01, 0.99)),
    st.tuples(st.sampled_from([0, 2, 4]), st.floats(0.01, 0.99), st.floats(1.01, 3.99)).map(
        lambda tooth: (tooth[0] + tooth[1], tooth[2])),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(comb_points, min_size=1, max_size=12, unique=True))
def test_voronoi_partition_tiles_any_parent_with_single_polygons(points):
    part = voronoi_partition(COMB, np.array(points), frame=EQUATOR, allow_multipart=False)
    assert all(piece.geom_type == "Polygon" and piece.is_valid for piece in part.pieces)
    assert len(part.pieces) == len(part.sites) <= len(points)
    assert_tiles(COMB, part.pieces)


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 6), columns=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_serial_order_reads_a_jittered_grid_row_by_row(rows, columns, seed):
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(-0.15, 0.15, (rows * columns, 2))
    row_major = [box(c + dx, -r + dy, c + dx + 1, -r + dy + 1)
                 for (r, c), (dx, dy) in zip(np.ndindex(rows, columns), jitter, strict=True)]
    shuffled = rng.permutation(len(row_major))
    order = serial_order([row_major[i] for i in shuffled])
    assert [int(shuffled[i]) for i in order] == list(range(rows * columns))


def test_serial_order_of_points_and_of_nothing():
    points = [Point(1, 0), Point(0, 0), Point(0, 1), Point(1, 1)]
    assert serial_order(points) == [2, 3, 1, 0]
    assert serial_order([]) == []


@given(st.lists(st.floats(0, 100), min_size=1, max_size=20), st.integers(0, 500))
def test_apportion_splits_the_total_exactly(weights, total):
    minimum = 1 if total >= len(weights) else 0
    counts = apportion(np.array(weights), total, minimum=minimum)
    assert counts.sum() == total
    assert (counts >= minimum).all()


def test_cells_hold_the_household_band_as_a_planner_draws_them(demo):
    """Sized by households, as DOMAIN.md's rule asks: most cells inside the default band
    150-500 (the rest are cells of villages too small for it, or the lumps of big
    blocks of flats), and the cells of towns smaller in area than the countryside's."""
    per_cell = demo.buildings.groupby("cell_code")["households_count"].sum().reindex(
        [cell["code"] for cell in demo.cells], fill_value=0)
    assert ((per_cell >= 150) & (per_cell <= 500)).mean() >= 0.7
    urban = {v["code"] for v in demo.regions.villages if v["urban"]}
    area = {cell["code"]: cell["geometry"].area for cell in demo.cells}
    town = [a for code, a in area.items() if code[:12] in urban]
    country = [a for code, a in area.items() if code[:12] not in urban]
    if town and country:
        assert sum(town) / len(town) < sum(country) / len(country)
