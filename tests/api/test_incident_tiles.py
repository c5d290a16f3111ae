"""/tiles/incidents/{z}/{x}/{y}.pbf as the app role under row-level security: a case is in
the tile that covers it, leaves it when a filter excludes it, and is invisible outside the
caller's area; the GeoJSON takes the same time window."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.api.test_tiles import tile_of
from tests.incident_fixtures import EAST_CELL, EAST_POINT, THURSDAY, VILLAGE, WEST_CELL, WEST_POINT

pytestmark = pytest.mark.skipif(not shutil.which("ogrinfo"),
                                reason="ogrinfo (gdal-bin) decodes the tiles")
Z = 14
X, Y = tile_of(*WEST_POINT, Z)


@pytest.fixture()
def clients(dispatch_world, make_user, auth_client, app, request):
    make_user("patrol", "grid_worker", cells=[WEST_CELL])
    make_user("desk", "dispatcher", regions=[VILLAGE])
    make_user("east", "grid_worker", cells=[EAST_CELL])
    request.getfixturevalue("rls_db")
    app.state.clock = lambda: THURSDAY
    return {name: auth_client(name) for name in ("patrol", "desk", "east")}


def post(client, point=WEST_POINT, **fields) -> dict:
    body = {"source": "patrol", "category": "street_order.vendor", "lon": point[0],
            "lat": point[1], "title": "<b>占道</b> 经营", **fields}
    answer = client.post("/incidents", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def features(content: bytes, folder) -> dict[int, dict]:
    """The tile's incidents decoded by GDAL: feature id -> {property: value as text}."""
    path = folder / "tile.pbf"
    path.write_bytes(content)
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-oo", f"Z={Z}", "-oo", f"X={X}",
                          "-oo", f"Y={Y}", str(path)], capture_output=True, text=True,
                         check=True).stdout
    found = {}
    for block in out.split("OGRFeature(incidents):")[1:]:
        properties = dict(re.findall(r"^  (\w+) \(\w+\) = (.*)$", block, re.MULTILINE))
        found[int(properties.pop("mvt_id"))] = properties  # GDAL names the feature id so
    return found


def dispatched(clients) -> dict:
    """A case in the west cell, registered and dispatched: its clock runs (light green)."""
    case = post(clients["patrol"])
    for action in ("register", "dispatch"):
        answer = clients["desk"].post(f"/incidents/{case['id']}/transitions",
                                      json={"action": action})
        assert answer.status_code == 200, answer.text
    return case


def tile(client, folder, **params) -> dict[int, dict]:
    answer = client.get(f"/tiles/incidents/{Z}/{X}/{Y}.pbf", params=params)
    if answer.status_code == 204:
        return {}
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return features(answer.content, folder)


def test_a_case_is_in_the_tile_that_covers_it_with_plain_properties(clients, tmp_path):
    case = dispatched(clients)
    shown = tile(clients["desk"], tmp_path)
    assert list(shown) == [case["id"]]
    properties = shown[case["id"]]
    assert properties["code"] == case["code"] and properties["cell_code"] == WEST_CELL
    assert properties["status"] == "dispatched" and properties["light"] == "green"
    assert properties["category_code"] == "street_order.vendor"
    assert properties["title"] == "<b>占道</b> 经营"  # the text as reported, not markup
    assert properties["reported_at"] == "2026-10-08T01:00:00Z" and properties["due_at"]
    # the neighbouring tile to the north does not hold it
    assert clients["desk"].get(f"/tiles/incidents/{Z}/{X}/{Y - 1}.pbf").status_code == 204


@pytest.mark.parametrize(("params", "kept"), [
    ({"category": "street_order"}, True),
    ({"category": "emergency"}, False),
    ({"status": ["dispatched", "handling"]}, True),
    ({"status": "registered"}, False),
    ({"light": "green"}, True),
    ({"light": "red"}, False),
    ({"since": "2026-10-08T01:00:00Z", "until": "2026-10-08T01:00:01Z"}, True),
    ({"since": "2026-10-08T02:00:00+00:00"}, False),
    ({"until": "2026-10-08T09:00:00+08:00"}, False),  # half-open: reported at 09:00 sharp
])
def test_filters_keep_or_drop_the_case(clients, tmp_path, params, kept):
    case = dispatched(clients)
    assert (case["id"] in tile(clients["desk"], tmp_path, **params)) is kept
    geojson = clients["desk"].get("/incidents", params=params).json()
    assert (case["id"] in [f["id"] for f in geojson["features"]]) is kept


def test_a_case_outside_the_callers_area_is_invisible(clients, tmp_path):
    west = post(clients["patrol"])["id"]
    east = post(clients["desk"], point=EAST_POINT)["id"]
    assert tile_of(*EAST_POINT, Z) == (X, Y)  # both cases lie in the one tile
    assert set(tile(clients["desk"], tmp_path)) == {west, east}
    assert set(tile(clients["east"], tmp_path)) == {east}
    assert set(tile(clients["patrol"], tmp_path)) == {west}


@pytest.mark.parametrize(("url", "status", "says"), [
    (f"/tiles/incidents/{Z}/{2**Z}/0.pbf", 404, "does not exist"),
    ("/tiles/incidents/23/0/0.pbf", 404, "zoom"),
    (f"/tiles/incidents/{Z}/{X}/{Y}.pbf?light=blue", 422, "light"),
    (f"/tiles/incidents/{Z}/{X}/{Y}.pbf?status=lost", 422, "status"),
    (f"/tiles/incidents/{Z}/{X}/{Y}.pbf?since=2026-10-08T09:00:00", 422, "time zone"),
    (f"/tiles/incidents/{Z}/{X}/{Y}.pbf?since=2026-10-09T00:00:00Z&until=2026-10-08T00:00:00Z",
     422, "empty"),
])
def test_bad_tile_requests_say_what_is_wrong(clients, url, status, says):
    answer = clients["desk"].get(url)
    assert answer.status_code == status and says in answer.text, answer.text


def test_the_tile_needs_the_read_permission(clients, make_user, auth_client):
    make_user("planner", "planner", regions=[VILLAGE])
    answer = auth_client("planner").get(f"/tiles/incidents/{Z}/{X}/{Y}.pbf")
    assert answer.status_code == 403 and "incidents:read" in answer.text
