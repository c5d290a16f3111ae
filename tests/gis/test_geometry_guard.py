"""Hostile geometries and names get a clear InvalidGeometry / InvalidInput saying where."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box

from gis.errors import InvalidGeometry, InvalidInput
from gis.geometry_guard import check_geometry
from gis.text_guard import clean_name, clean_text

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_good_geojson_and_shapely_pass_through():
    assert check_geometry(SQUARE, where="f[0]").equals(box(0, 0, 1, 1))
    assert check_geometry(box(0, 0, 1, 1), where="f[0]").area == 1


@pytest.mark.parametrize("bad, message", [
    (float("nan"), "not finite"), (float("inf"), "not finite"), (1e300, "over"),
    (10**400, "too large"), ("1", "not a number"), (True, "not a number")])
def test_bad_numbers_in_geojson_say_which_position(bad, message):
    poly = {"type": "Polygon", "coordinates": [[[0, 0], [bad, 0], [1, 1], [0, 0]]]}
    with pytest.raises(InvalidGeometry, match=message) as caught:
        check_geometry(poly, where="features[3].geometry")
    assert caught.value.where == "features[3].geometry.coordinates[0][1]"


def test_nan_in_a_shapely_geometry_names_the_vertex():
    line = LineString([(0, 0), (math.nan, 1), (2, 2)])
    with pytest.raises(InvalidGeometry, match="vertex 1 .*non-finite"):
        check_geometry(line, where="row 7")


def test_vertex_cap_refuses_before_building_the_geometry():
    ring = [[i, 0] for i in range(2000)] + [[0, 1], [0, 0]]
    with pytest.raises(InvalidGeometry, match="more than 1000 vertices"):
        check_geometry({"type": "Polygon", "coordinates": [ring]}, where="g",
                       max_vertices=1000)
    with pytest.raises(InvalidGeometry, match="over the limit of 3"):
        check_geometry(box(0, 0, 1, 1), where="g", max_vertices=3)


@pytest.mark.parametrize("obj, message", [
    ({"type": "Circle", "coordinates": [0, 0]}, "type must be"),
    ({"type": "Point", "coordinates": [1]}, "2 or 3 numbers"),
    ({"type": "Polygon", "coordinates": [[0, 0], [1, 1]]}, "expected an array"),
    ({"type": "Polygon", "coordinates": "POLYGON"}, "expected an array"),
    ({"type": "LineString", "coordinates": [[0, 0]]}, "cannot be built"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "not valid"),
    ({"type": "Polygon", "coordinates": []}, "empty"),
])
def test_malformed_geojson_is_explained(obj, message):
    with pytest.raises(InvalidGeometry, match=message):
        check_geometry(obj, where="g")


def test_invalid_and_out_of_range_geometries():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    with pytest.raises(InvalidGeometry, match="Self-intersection"):
        check_geometry(bowtie, where="g")
    assert check_geometry(bowtie, where="g", require_valid=False) is bowtie
    with pytest.raises(InvalidGeometry, match="outside longitude"):
        check_geometry(Point(500000, 3300000), where="g", lonlat=True)


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2, max_size=2))
def test_any_point_is_accepted_or_refused_cleanly(xy):
    try:
        geom = check_geometry({"type": "Point", "coordinates": xy}, where="p")
    except InvalidGeometry:
        assert not all(math.isfinite(v) and abs(v) <= 1e9 for v in xy)
    else:
        assert (geom.x, geom.y) == tuple(xy)


def test_names_are_nfc_and_lose_control_and_bidi_characters():
    decomposed = "Ame\u0301lie\u202e\u200b\x00  Zhang\t张"
    assert clean_name(decomposed, where="name") == "Amélie Zhang 张"
    assert clean_text("line one\r\nline two\x07", where="note") == "line one \nline two"
    with pytest.raises(InvalidInput, match="empty"):
        clean_name("\u200b \u202e", where="rows[2].name")
    with pytest.raises(InvalidInput, match="over the limit"):
        clean_name("王" * 201, where="name")
    with pytest.raises(InvalidInput, match="surrogate"):
        clean_name("a\ud800b", where="name")
