"""GET /incidents/{id} for the console's case panel: where the case is, who is on duty in
its cell today and who is nearest, beside its log and the actions the caller may take."""
from __future__ import annotations

import pytest

from tests.incident_fixtures import THURSDAY, VILLAGE, WEST_CELL, WEST_POINT


@pytest.fixture()
def clients(dispatch_world, make_user, auth_client, app, request):
    make_user("patrol", "grid_worker", cells=[WEST_CELL])
    make_user("desk", "dispatcher", regions=[VILLAGE])
    request.getfixturevalue("rls_db")
    app.state.clock = lambda: THURSDAY
    return {name: auth_client(name) for name in ("patrol", "desk")}


def test_the_case_panel_names_its_team_on_duty_and_the_nearest_staff(clients):
    body = {"source": "patrol", "category": "street_order.vendor", "lon": WEST_POINT[0],
            "lat": WEST_POINT[1]}
    case = clients["patrol"].post("/incidents", json=body).json()
    answer = clients["desk"].get(f"/incidents/{case['id']}")
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert detail["location"] == pytest.approx({"lon": WEST_POINT[0], "lat": WEST_POINT[1]})
    assert [s["name"] for s in detail["staff_on_duty"]["staff"]] == ["王网格长", "李网格员"]
    nearest = detail["nearest_staff"]["staff"]
    assert [s["name"] for s in nearest] == ["王网格长", "李网格员"]
    assert 100 < nearest[0]["distance_m"] < 120
    assert detail["allowed_actions"] == ["register", "reject", "merge"]
    assert [t["action"] for t in detail["transitions"]] == ["report"]


def test_with_roads_loaded_the_panel_ranks_by_road_and_says_so(
        dispatch_world, make_user, auth_client, app, db, tmp_path, request):
    from tests.gis.test_incident_nearest_road import EAST_LOOP, WEST_LOOP, load_roads

    load_roads(db, tmp_path, [EAST_LOOP, WEST_LOOP])
    make_user("desk", "dispatcher", regions=[VILLAGE])
    request.getfixturevalue("rls_db")  # the app role reads the network and runs pgRouting
    app.state.clock = lambda: THURSDAY
    desk = auth_client("desk")
    body = {"source": "patrol", "category": "street_order.vendor", "lon": WEST_POINT[0],
            "lat": WEST_POINT[1]}
    reported = desk.post("/incidents", json=body).json()
    assert reported["nearest_staff"]["distance_kind"] == "road"
    nearest = desk.get(f"/incidents/{reported['id']}").json()["nearest_staff"]
    assert nearest["distance_kind"] == "road"
    assert [s["name"] for s in nearest["staff"]] == ["李网格员", "王网格长"]
