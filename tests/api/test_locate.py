"""/locate: point -> cell and regions, with coordinates from Chinese web maps or a projection."""
from __future__ import annotations

import pyproj
import pytest

from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from tests.factories import VILLAGE
from tests.grid_fixtures import CHINA_SOUTH, CHINA_WEST

# Inside the west cell, 0.001 degrees (~100 m) from the shared edge at CHINA_WEST + 0.01.
LON, LAT = CHINA_WEST + 0.009, CHINA_SOUTH + 0.005


def located(client, **params) -> dict:
    response = client.get("/locate", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_wgs84_point_finds_cell_and_regions(client, china_grid):
    found = located(client, lon=LON, lat=LAT)
    assert found["cell"]["code"] == VILLAGE + "001"
    assert found["village"]["code"] == VILLAGE and found["district"] is not None


def test_gcj02_point_is_converted_before_lookup(client, china_grid):
    gcj_lon, gcj_lat = (float(v) for v in wgs84_to_gcj02(LON, LAT))
    # read as WGS84, the Amap coordinates land hundreds of metres east, in the other cell
    assert located(client, lon=gcj_lon, lat=gcj_lat)["cell"]["code"] == VILLAGE + "002"
    found = located(client, lon=gcj_lon, lat=gcj_lat, crs="gcj02")
    assert found["cell"]["code"] == VILLAGE + "001"
    assert found["lon"] == pytest.approx(LON, abs=1e-5)
    assert found["given"] == {"lon": gcj_lon, "lat": gcj_lat, "crs": "gcj02"}


def test_bd09_and_projected_points(client, china_grid):
    bd_lon, bd_lat = (float(v) for v in wgs84_to_bd09(LON, LAT))
    assert located(client, lon=bd_lon, lat=bd_lat, crs="bd09")["cell"]["code"] == VILLAGE + "001"
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(LON, LAT)
    assert located(client, lon=x, lat=y, crs="EPSG:3857")["cell"]["code"] == VILLAGE + "001"


@pytest.mark.parametrize(("params", "says"), [
    ({"lon": LON, "lat": LAT, "crs": "mars"}, "Unknown CRS"),
    ({"lon": LAT, "lat": LON, "crs": "gcj02"}, "swap"),
    ({"lon": 400.0, "lat": LAT}, "not WGS84 degrees"),
])
def test_bad_coordinates_say_why(client, china_grid, params, says):
    response = client.get("/locate", params=params)
    assert response.status_code == 422 and says in response.json()["message"]


def test_point_on_a_shared_edge_always_gets_the_same_cell(client, china_grid):
    edge = {"lon": CHINA_WEST + 0.01, "lat": LAT}
    codes = {located(client, **edge)["cell"]["code"] for _ in range(3)}
    assert codes == {VILLAGE + "001"}


def test_generation_and_date_select_the_boundaries(client, china_grid):
    assert located(client, lon=LON, lat=LAT, generation=china_grid["generation"])["cell"]
    response = client.get("/locate", params={"lon": LON, "lat": LAT, "at": "2020-01-01"})
    assert response.status_code == 404 and "2020-01-01" in response.json()["message"]


def by_lane_and_by_route(app, params: dict):
    """The response of the fast lane, and of the documented route (the app without lanes)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        by_lane = client.get("/locate", params=params)
    lanes, app.fast_lanes = app.fast_lanes, []
    try:
        with TestClient(app) as client:
            return by_lane, client.get("/locate", params=params)
    finally:
        app.fast_lanes = lanes


@pytest.mark.parametrize("params", [
    {"lat": LAT}, {"lon": "east", "lat": LAT}, {"lon": LON, "lat": LAT, "generation": 0},
    {"lon": LON, "lat": LAT, "crs": "x" * 65}, {"lon": LON, "lat": LAT, "at": "yesterday"},
    {"lon": LON, "lat": LAT, "generation": 1, "at": "2026-02-01"},
    {"lon": LON, "lat": LAT, "at": "2020-01-01"},
])
def test_the_fast_lane_answers_bad_queries_as_the_documented_route_does(app, china_grid,
                                                                         params):
    by_lane, by_route = by_lane_and_by_route(app, params)
    assert by_lane.status_code == by_route.status_code >= 400
    assert by_lane.json() == by_route.json()


def test_the_fast_lane_serves_the_same_answer_as_the_route(app, china_grid):
    by_lane, by_route = by_lane_and_by_route(app, {"lon": LON, "lat": LAT})
    assert by_lane.json() == by_route.json() and by_lane.json()["cell"]["code"] == VILLAGE + "001"
    assert by_lane.headers["content-type"] == by_route.headers["content-type"]
