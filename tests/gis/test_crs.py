"""Tests for gis.crs: web-map offsets, CRS resolution, transforms and layer sanity checks."""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from shapely import LineString, Point, Polygon

from gis.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    check_declared_crs,
    check_inside_china,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    resolve_crs,
    to_wgs84_arrays,
    to_wgs84_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis.errors import CoordinateError

GEOD = Geod(ellps="WGS84")
CHONGQING = (106.0, 29.8)  # a Tongliang/Bishan point, inside 3-degree zone CM 105E
WHERE = "tongliang_cells.shp"

# Published test table of googollee/eviltransform (python/test.py):
# wgs lon, wgs lat, gcj lon, gcj lat.
EVILTRANSFORM_TABLE = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]
# wandergis/coordtransform's documented results for the input (116.404, 39.915).
COORDTRANSFORM_INPUT = (116.404, 39.915)
COORDTRANSFORM_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)  # approximate inverse

# ArcGIS writes .prj files like this one: names only, no EPSG authority inside.
ESRI_PRJ_4544 = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
LOCAL_CITY_GRID_PRJ = (
    ESRI_PRJ_4544.replace("CGCS2000_3_Degree_GK_CM_105E", "Local_City_Grid")
    .replace('"Central_Meridian",105.0', '"Central_Meridian",106.5')
    .replace('"False_Northing",0.0', '"False_Northing",-3000000.0')
)

china_lon = st.floats(min_value=73.0, max_value=135.0)
china_lat = st.floats(min_value=18.0, max_value=53.0)


def metres_between(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


# --- web-map offsets -----------------------------------------------------------------------


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM_TABLE)
def test_wgs84_to_gcj02_matches_the_published_eviltransform_values(
    wgs_lon, wgs_lat, gcj_lon, gcj_lat
):
    # The expected shift is ~500 m; 1e-8° (~1 mm) leaves no room for a wrong coefficient.
    assert abs(gcj_lon - wgs_lon) > 1e-3
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-8)
    assert lat == pytest.approx(gcj_lat, abs=1e-8)


def test_forward_formulas_match_coordtransform_to_the_last_digits():
    lon, lat = wgs84_to_gcj02(*COORDTRANSFORM_INPUT)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM_WGS84_TO_GCJ02, abs=1e-9)
    lon, lat = gcj02_to_bd09(*COORDTRANSFORM_INPUT)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM_GCJ02_TO_BD09, abs=1e-9)


def test_bd09_inverse_is_exact_and_near_the_published_approximation():
    gcj = bd09_to_gcj02(*COORDTRANSFORM_INPUT)
    assert gcj02_to_bd09(*gcj) == pytest.approx(COORDTRANSFORM_INPUT, abs=1e-9)
    # The widely used closed inverse is off by centimetres to ~0.2 m.
    assert metres_between(gcj, COORDTRANSFORM_BD09_TO_GCJ02) < 0.25


@settings(deadline=None, max_examples=300)
@given(lon=china_lon, lat=china_lat)
def test_gcj02_round_trip_within_a_centimetre_anywhere_in_china(lon, lat):
    gcj = wgs84_to_gcj02(lon, lat)
    assert metres_between((lon, lat), gcj02_to_wgs84(*gcj)) < 0.01


@settings(deadline=None, max_examples=300)
@given(lon=china_lon, lat=china_lat)
def test_bd09_round_trip_within_a_centimetre_anywhere_in_china(lon, lat):
    bd = wgs84_to_bd09(lon, lat)
    assert metres_between((lon, lat), bd09_to_wgs84(*bd)) < 0.01


@settings(deadline=None, max_examples=200)
@given(lon=china_lon, lat=china_lat)
def test_gcj02_offset_is_under_a_kilometre_and_never_zero_in_china(lon, lat):
    # Measured over China: 18 m (Qinghai) to 717 m; 300-700 m in the populated east.
    assert 10 < metres_between((lon, lat), wgs84_to_gcj02(lon, lat)) < 750


@pytest.mark.parametrize(
    ("city", "lon", "lat"),
    [
        ("Beijing", 116.39, 39.91),
        ("Shanghai", 121.47, 31.23),
        ("Guangzhou", 113.26, 23.13),
        ("Chongqing", 106.55, 29.56),
        ("Chengdu", 104.07, 30.57),
        ("Wuhan", 114.31, 30.59),
        ("Harbin", 126.63, 45.75),
    ],
)
def test_offsets_in_eastern_cities_are_300_to_700_metres(city, lon, lat):
    assert 300 < metres_between((lon, lat), wgs84_to_gcj02(lon, lat)) < 700
    # Baidu adds its own shift on top: about a kilometre from WGS84.
    assert 800 < metres_between((lon, lat), wgs84_to_bd09(lon, lat)) < 1500


@given(points=st.lists(st.tuples(china_lon, china_lat), min_size=1, max_size=30))
def test_arrays_give_the_same_answers_as_scalars(points):
    lons, lats = np.array(points).T
    gcj_lons, gcj_lats = wgs84_to_gcj02(lons, lats)
    wgs_lons, wgs_lats = gcj02_to_wgs84(gcj_lons, gcj_lats)
    assert gcj_lons.shape == lons.shape
    for i, (lon, lat) in enumerate(points):
        assert (gcj_lons[i], gcj_lats[i]) == wgs84_to_gcj02(lon, lat)
        assert (wgs_lons[i], wgs_lats[i]) == pytest.approx(
            gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
        )


def test_scalars_come_back_as_floats_and_shapes_are_kept():
    lon, lat = wgs84_to_gcj02(*CHONGQING)
    assert type(lon) is float and type(lat) is float
    grid_lon, grid_lat = gcj02_to_wgs84(np.full((2, 3), 106.0), 29.8)  # lat broadcasts
    assert grid_lon.shape == grid_lat.shape == (2, 3)


@pytest.mark.parametrize("func", [wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84])
def test_points_outside_the_gcj02_box_are_returned_unchanged(func):
    outside = (np.array([-0.1276, 151.2093, 139.7]), np.array([51.5072, -33.8688, 35.7]))
    lon, lat = func(*outside)
    np.testing.assert_array_equal(lon, outside[0])
    np.testing.assert_array_equal(lat, outside[1])


def test_nan_passes_through_and_does_not_spoil_its_neighbours():
    lon, lat = gcj02_to_wgs84(np.array([np.nan, 106.0]), np.array([29.8, np.nan]))
    assert np.isnan(lon[0]) and np.isnan(lat[1])
    with np.errstate(all="raise"):  # no warnings leak out, even for inf
        bd09_to_wgs84(np.array([np.inf, 106.0]), np.array([29.8, 29.8]))


# --- resolve_crs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "epsg", "geographic"),
    [
        ("EPSG:4326", "epsg", 4326, True),
        ("epsg:4326", "epsg", 4326, True),
        (" 4326 ", "epsg", 4326, True),
        (4326, "epsg", 4326, True),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "epsg", 4326, True),
        ("wgs84", "epsg", 4326, True),
        ("WGS-84", "epsg", 4326, True),
        (4490, "epsg", 4490, True),
        ("urn:ogc:def:crs:EPSG::4490", "epsg", 4490, True),
        ("CGCS2000", "epsg", 4490, True),
        ("cgcs2000", "epsg", 4490, True),
        ("gcj02", "gcj02", None, True),
        ("GCJ-02", "gcj02", None, True),
        ("bd09", "bd09", None, True),
        ("BD-09", "bd09", None, True),
        ("EPSG:4544", "epsg", 4544, False),
        (np.int64(4523), "epsg", 4523, False),
        (3857, "epsg", 3857, False),
        ("EPSG:32648", "epsg", 32648, False),  # UTM 48N: any EPSG code PROJ knows
    ],
)
def test_resolve_crs_accepts_each_documented_form(value, kind, epsg, geographic):
    spec = resolve_crs(value)
    assert (spec.kind, spec.epsg, spec.is_geographic) == (kind, epsg, geographic)
    assert spec.label


@pytest.mark.parametrize("code", range(4513, 4555))
def test_every_cgcs2000_three_degree_zone_resolves_as_projected(code):
    spec = resolve_crs(f"EPSG:{code}")
    assert spec.epsg == code and not spec.is_geographic
    assert "CGCS2000 / 3-degree Gauss-Kruger" in spec.label


def test_epsg_4545_is_cm_108e_and_4544_is_cm_105e():
    assert resolve_crs(4544).label.endswith("CM 105E")
    assert resolve_crs(4545).label.endswith("CM 108E")


def test_prj_text_is_identified_and_an_explicit_value_wins():
    assert resolve_crs(None, prj_text=ESRI_PRJ_4544).epsg == 4544
    assert resolve_crs(ESRI_PRJ_4544).epsg == 4544
    assert resolve_crs("EPSG:4523", prj_text=ESRI_PRJ_4544).epsg == 4523


@pytest.mark.parametrize(
    ("value", "prj_text", "expected_in_message"),
    [
        ("EPSG:99999", None, "EPSG:99999"),
        ("mercator-ish", None, "mercator-ish"),
        ("", None, "''"),
        (None, None, "no CRS value"),
        (True, None, "bool"),
        (4.5, None, "float"),
        (4978, None, "not a 2-D horizontal CRS"),
        (None, "PROJCS[nonsense", "could not be read"),
        (None, LOCAL_CITY_GRID_PRJ, "matches no EPSG code"),
    ],
)
def test_unknown_crs_says_what_was_given_and_what_is_accepted(value, prj_text, expected_in_message):
    with pytest.raises(CoordinateError) as caught:
        resolve_crs(value, prj_text=prj_text)
    assert expected_in_message in caught.value.message
    assert "EPSG" in caught.value.message


# --- transforms to WGS84 --------------------------------------------------------------------


def test_gauss_kruger_cm105e_round_trip_for_a_chongqing_point():
    easting, northing = Transformer.from_crs(4326, 4544, always_xy=True).transform(*CHONGQING)
    # Independent sanity: GK keeps scale ~1 near the CM, so the easting offset is about the
    # distance along the parallel from 105E, and the northing about the meridian arc.
    along = GEOD.inv(105.0, 29.8, 106.0, 29.8)[2]
    arc = GEOD.inv(105.0, 0.0, 105.0, 29.8)[2]
    assert abs((easting - 500_000) - along) < 50
    assert abs(northing - arc) < 1_000
    lon, lat = to_wgs84_arrays(easting, northing, resolve_crs("EPSG:4544"))
    assert (float(lon), float(lat)) == pytest.approx(CHONGQING, abs=1e-9)
    lon, lat = to_wgs84_arrays(easting + 35_000_000, northing, resolve_crs(4523))  # zone prefix
    assert (float(lon), float(lat)) == pytest.approx(CHONGQING, abs=1e-9)


def test_cgcs2000_and_wgs84_pass_through_unchanged():
    for value in (4326, 4490):
        lon, lat = to_wgs84_arrays([106.0, 106.1], [29.8, 29.9], resolve_crs(value))
        np.testing.assert_array_equal(lon, [106.0, 106.1])
        np.testing.assert_array_equal(lat, [29.8, 29.9])


def test_geometry_in_a_gauss_kruger_zone_lands_in_chongqing():
    cell = shapely.box(596_000, 3_298_000, 597_000, 3_299_000)
    west, south, east, north = to_wgs84_geometry(cell, resolve_crs(4544)).bounds
    assert 105.99 < west < east < 106.01 and 29.79 < south < north < 29.81


def test_gcj02_geometry_moves_back_by_the_offset_and_keeps_z():
    gcj_point = Point(*wgs84_to_gcj02(*CHONGQING), 312.5)
    wgs_point = to_wgs84_geometry(gcj_point, resolve_crs("gcj02"))
    assert metres_between(CHONGQING, (wgs_point.x, wgs_point.y)) < 0.01
    assert wgs_point.z == 312.5


def test_arrays_of_geometries_are_transformed_and_wgs84_is_left_alone():
    geoms = np.array([LineString([(106.0, 29.8), (106.1, 29.9)]), Polygon(), None])
    moved = to_wgs84_geometry(geoms, resolve_crs("bd09"))
    assert moved[0].coords[0] != (106.0, 29.8) and moved[1].is_empty and moved[2] is None
    assert to_wgs84_geometry(geoms[0], resolve_crs(4326)) is geoms[0]


# --- sanity checks --------------------------------------------------------------------------


def raised(x, y, crs):
    with pytest.raises(CoordinateError) as caught:
        check_declared_crs(x, y, resolve_crs(crs), where=WHERE)
    assert caught.value.where == WHERE and caught.value.message.startswith(WHERE)
    return caught.value


@pytest.mark.parametrize("crs", ["EPSG:4326", 4490, "gcj02", "bd09"])
def test_a_good_layer_in_degrees_passes(crs):
    check_declared_crs([106.0, 106.1], [29.8, 29.9], resolve_crs(crs), where=WHERE)
    check_declared_crs([], [], resolve_crs(crs), where=WHERE)


def test_a_good_layer_in_a_gauss_kruger_zone_passes():
    check_declared_crs([596_681.7], [3_298_362.6], resolve_crs(4544), where=WHERE)


@given(lon=st.floats(73.0, 135.1), lat=st.floats(3.0, 53.6))
def test_swapped_axes_are_named_for_any_point_in_china(lon, lat):
    error = raised([lat], [lon], 4326)
    assert "swapped" in error.message and "Swap the x/y columns" in error.message


def test_outside_china_names_the_count_and_the_offending_point():
    error = raised([106.0, -0.1276], [29.8, 51.5072], "wgs84")
    assert "outside China" in error.message and "1 of 2" in error.message
    assert "#1 (-0.127600, 51.507200)" in error.message
    with pytest.raises(CoordinateError, match="outside China"):
        check_inside_china(139.7, 35.7, where=WHERE)


def test_metres_with_a_zone_prefix_declared_as_degrees_suggest_that_zone():
    error = raised([35_596_681.7], [3_298_362.6], 4326)
    assert "projected metres declared as degrees" in error.message
    assert "use --crs EPSG:4523" in error.message
    assert error.details["candidates"] == ["EPSG:4523"]


def test_metres_with_northing_in_x_suggest_swapping_and_the_zone():
    error = raised([3_298_362.6], [35_596_681.7], 4490)
    assert "swap the x/y columns" in error.message and "EPSG:4523" in error.message


def test_metres_without_a_zone_prefix_explain_how_to_pick_the_cm_zone():
    error = raised([596_681.7], [3_298_362.6], 4326)
    assert "projected metres declared as degrees" in error.message
    assert "EPSG:4534-4554" in error.message and "EPSG:4544" in error.message


def test_web_mercator_metres_declared_as_degrees_suggest_3857():
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(*CHONGQING)
    assert "use --crs EPSG:3857" in raised([x], [y], 4326).message


def test_wrong_zone_declared_lands_outside_china_and_names_the_right_one():
    error = raised([35_596_681.7], [3_298_362.6], 4544)
    assert "outside China" in error.message and "use --crs EPSG:4523" in error.message


def test_degrees_declared_as_projected_metres():
    assert "degrees declared as projected metres" in raised([106.0], [29.8], 4544).message


def test_values_beyond_any_degree_range_are_reported():
    assert "outside [-180, 180]" in raised([200.0], [95.0], 4326).message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("crs", [4326, 4544, "gcj02"])
def test_nan_and_inf_are_rejected(bad, crs):
    error = raised([106.0, bad], [29.8, 29.8], crs)
    assert "NaN or infinite" in error.message and "1 of 2" in error.message
