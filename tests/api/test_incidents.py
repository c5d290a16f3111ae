"""/incidents over HTTP as the app role under row-level security: report, GeoJSON for the
map (filters, keyset pages), a case with its log, transitions with If-Match."""
from __future__ import annotations

import pytest

from tests.incident_fixtures import (
    EAST_CELL,
    EAST_POINT,
    THURSDAY,
    VILLAGE,
    WEST_CELL,
    WEST_POINT,
)


@pytest.fixture()
def clients(dispatch_world, make_user, auth_client, app, request):
    make_user("patrol", "grid_worker", cells=[WEST_CELL])
    make_user("desk", "dispatcher", regions=[VILLAGE])
    make_user("east", "grid_worker", cells=[EAST_CELL])
    make_user("reader", "manager", regions=[VILLAGE])
    request.getfixturevalue("rls_db")
    app.state.clock = lambda: THURSDAY
    return {name: auth_client(name) for name in ("patrol", "desk", "east", "reader")}


def post(client, point=WEST_POINT, **fields):
    body = {"source": "patrol", "category": "street_order.vendor", "lon": point[0],
            "lat": point[1], **fields}
    return client.post("/incidents", json=body)


def test_a_patrol_reports_and_the_answer_routes_it(clients):
    answer = post(clients["patrol"], description="占道经营")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["ETag"] == '"1"' and answer.headers["Location"] == \
        f"/incidents/{body['id']}"
    assert body["cell_code"] == WEST_CELL and body["department"].startswith("城管")
    assert body["nearest_staff"]["distance_kind"] == "straight"
    assert body["staff_on_duty"]["staff"][0]["role_code"] == "grid_head"
    again = post(clients["patrol"]).json()
    assert [d["id"] for d in again["probable_duplicates"]] == [body["id"]]


@pytest.mark.parametrize(("fields", "says"), [
    ({"lon": None, "lat": None}, "lon/lat, as building_id, or as an address"),
    ({"crs": "EPSG:99999"}, "EPSG"),
    ({"category": "nope"}, "unknown category"),
    ({"source": "pigeon"}, "source"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"reported_at": "2026-10-08T09:00:00"}, "time zone"),
    ({"reported_at": "2026-10-09T09:00:00+08:00"}, "in the future"),
])
def test_bad_reports_say_what_is_wrong(clients, fields, says):
    answer = post(clients["patrol"], **fields)
    assert answer.status_code == 422 and says in answer.text, answer.text


def test_a_report_outside_the_callers_area_is_forbidden(clients):
    answer = post(clients["east"])
    assert answer.status_code == 403 and WEST_CELL in answer.json()["message"]


def test_the_map_layer_filters_and_pages(clients):
    ids = [post(clients["patrol"]).json()["id"] for _ in range(3)]
    emergency = post(clients["desk"], point=EAST_POINT, category="emergency").json()["id"]
    clients["desk"].post(f"/incidents/{ids[0]}/transitions", json={"action": "register"})
    clients["desk"].post(f"/incidents/{ids[0]}/transitions", json={"action": "dispatch"})

    layer = clients["desk"].get("/incidents").json()
    assert layer["type"] == "FeatureCollection" and layer["numberReturned"] == 4
    feature = layer["features"][0]
    assert feature["geometry"]["type"] == "Point" and feature["properties"]["light"] == "green"
    assert [f["id"] for f in clients["desk"].get(
        "/incidents", params={"category": "street_order"}).json()["features"]] == ids
    assert [f["id"] for f in clients["desk"].get(
        "/incidents", params={"status": "dispatched"}).json()["features"]] == ids[:1]
    assert [f["id"] for f in clients["desk"].get(
        "/incidents", params={"light": "green"}).json()["features"]] == ids[:1]
    assert clients["desk"].get("/incidents", params={
        "since": "2026-10-08T02:00:00+00:00"}).json()["features"] == []  # reported 01:00 UTC
    pages, after = [], 0
    while after is not None:
        page = clients["desk"].get("/incidents", params={"limit": 3, "after": after}).json()
        pages.append([f["id"] for f in page["features"]])
        after = page["next_after"]
    assert pages == [ids, [emergency]]
    # row-level security: the east cell's worker sees only the east case
    assert [f["id"] for f in clients["east"].get("/incidents").json()["features"]] == \
        [emergency]
    assert clients["desk"].get("/incidents", params={"light": "blue"}).status_code == 422
    assert clients["desk"].get("/incidents", params={"status": "lost"}).status_code == 422
    west_only = clients["desk"].get("/incidents", params={
        "bbox": f"{WEST_POINT[0] - 0.001},{WEST_POINT[1] - 0.001},"
                f"{WEST_POINT[0] + 0.001},{WEST_POINT[1] + 0.001}"}).json()
    assert [f["id"] for f in west_only["features"]] == ids


def test_transitions_with_if_match_one_wins_the_stale_one_gets_409(clients):
    case_id = post(clients["patrol"]).json()["id"]
    url = f"/incidents/{case_id}/transitions"
    won = clients["desk"].post(url, json={"action": "register"}, headers={"If-Match": '"1"'})
    assert won.status_code == 200 and won.headers["ETag"] == '"2"'
    assert won.json()["allowed_actions"] == ["dispatch", "escalate", "merge"]
    stale = clients["desk"].post(url, json={"action": "reject", "note": "not ours"},
                                 headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and "based on version 1" in stale.json()["message"]
    late = clients["desk"].post(url, json={"action": "register"})
    assert late.status_code == 409 and "it is registered" in late.json()["message"]
    refused = clients["patrol"].post(url, json={"action": "dispatch"})
    assert refused.status_code == 403 and "may not dispatch" in refused.json()["message"]
    reader = clients["reader"].post(url, json={"action": "dispatch"})
    assert reader.status_code == 403
    detail = clients["reader"].get(f"/incidents/{case_id}")
    assert detail.status_code == 200 and detail.headers["ETag"] == '"2"'
    assert [t["action"] for t in detail.json()["transitions"]] == ["report", "register"]
    assert detail.json()["allowed_actions"] == []
    assert clients["east"].get(f"/incidents/{case_id}").status_code == 404


def test_the_catalogue_is_data(clients):
    categories = {c["code"]: c for c in clients["reader"].get("/incidents/categories").json()}
    assert categories["dispute.labour"]["triage"] == "major"
    assert categories["resident_affairs.repair"]["triage"] == "private"
    assert categories["street_order.vendor"]["parent"] == "street_order"


def test_a_case_in_the_wrong_place_is_relocated_logged_and_rerouted(clients):
    case = post(clients["desk"], point=EAST_POINT).json()
    assert case["cell_code"] == EAST_CELL and case["staff_on_duty"]["staff"] == []
    url = f"/incidents/{case['id']}/location"
    moved = clients["desk"].put(url, json={"lon": WEST_POINT[0], "lat": WEST_POINT[1],
                                           "note": "the caller misread the map"},
                                headers={"If-Match": '"1"'})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["cell_code"] == WEST_CELL and moved.headers["ETag"] == '"2"'
    assert body["moved_m"] == pytest.approx(967, abs=5)
    assert body["staff_on_duty"]["staff"][0]["role_code"] == "grid_head"
    log = clients["desk"].get(f"/incidents/{case['id']}").json()["transitions"]
    assert log[-1]["action"] == "relocate" and f"from cell {EAST_CELL} to {WEST_CELL}" in \
        log[-1]["note"]
    # the east cell's worker may not move it into (or out of) a cell outside its area
    assert clients["east"].put(url, json={"lon": EAST_POINT[0], "lat": EAST_POINT[1],
                                          "note": "x"}).status_code == 404
    stale = clients["desk"].put(url, json={"lon": EAST_POINT[0], "lat": EAST_POINT[1],
                                           "note": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    reader = clients["reader"].put(url, json={"lon": EAST_POINT[0], "lat": EAST_POINT[1],
                                              "note": "x"})
    assert reader.status_code == 403


def test_a_patrols_phone_reports_its_position_and_becomes_the_nearest(clients, db):
    from sqlalchemy import text

    from gis.auth import rls
    from gis.auth.principal import Principal

    user_id = db.execute(text("SELECT id FROM users WHERE username = 'patrol'")).scalar()
    # a patrol posted to the west cell (staff are visible through their posts: 0020's RLS)
    # written as an unrestricted fixture (the session is under RLS from the last request)
    rls.scope_session(db, Principal(username="fixture"))
    staff_id = db.execute(text("SELECT nextval(pg_get_serial_sequence('staff', 'id'))")
                          ).scalar_one()
    db.execute(text("INSERT INTO staff (id, name, user_id) VALUES (:s, '巡逻员', :u)"),
               {"s": staff_id, "u": user_id})
    db.execute(text("INSERT INTO staff_assignments (staff_id, cell_code, role_code) "
                    "VALUES (:s, :c, 'fulltime_worker')"), {"s": staff_id, "c": WEST_CELL})
    assert clients["desk"].put("/staff/me/position", json={
        "lon": WEST_POINT[0], "lat": WEST_POINT[1]}).status_code == 404  # not staff
    moved = clients["patrol"].put("/staff/me/position", json={
        "lon": WEST_POINT[0], "lat": WEST_POINT[1] + 0.0001})
    assert moved.status_code == 200, moved.text
    nearest = post(clients["desk"]).json()["nearest_staff"]["staff"]
    assert nearest[0]["name"] == "巡逻员" and nearest[0]["distance_m"] < 15
