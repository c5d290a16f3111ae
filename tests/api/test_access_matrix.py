"""Role x area matrix over the endpoints, and a 401 for every route without credentials.

Requests run under row-level security (rls_db), so the household counts of /cells show
what each caller's area lets the database return: inside its area, outside it, nowhere."""
from __future__ import annotations

import json

import pytest
from fastapi.routing import APIRoute
from shapely.geometry import box
from sqlalchemy import text
from starlette.routing import Route

from gis.auth.principal import Principal
from gis.grid import edit_service, editor_service
from gis.reference import ROLES
from tests.factories import DISTRICT, PLACE_OWN, TOWN, VILLAGE, add_own_household, add_region
from tests.people_fixtures import add_household, add_person, add_special, make_id

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
OTHER_TOWN = "500151002000"
# area name -> (scope codes, households the caller should count in WEST and EAST)
AREAS = {"cell": ((WEST,), {WEST: 1, EAST: 0}),
         "town": ((TOWN,), {WEST: 1, EAST: 1}),
         "outside": ((OTHER_TOWN,), {WEST: 0, EAST: 0})}
# Routes anyone may call: log-in itself, health, the API docs and the static page shells.
PUBLIC = {"/healthz", "/auth/token", "/auth/refresh", "/auth/logout", "/openapi.json",
          "/docs", "/redoc", "/docs/oauth2-redirect", "/", "/map", "/console",
          "/auth/session", "/auth/session/refresh", "/auth/session/logout", "/audit/dashboard"}
PUBLIC |= {"/editor"}  # a page shell like /map: its data comes over the API, after log-in

# Open311's reads need no key (GeoReport v2); they show public categories and fields only.
PUBLIC |= {"/open311/v2/discovery.{fmt}", "/open311/v2/services.{fmt}",
           "/open311/v2/services/{service_code}.{fmt}", "/open311/v2/requests.{fmt}",
           "/open311/v2/requests/{service_request_id}.{fmt}", "/open311/v2/tokens/{token_id}.{fmt}"}


def can(role: str, permission: str) -> bool:
    permissions = ROLES[role][1]
    return "*" in permissions or permission in permissions


@pytest.fixture()
def world(db, two_cells):
    """A household in each cell, a second town elsewhere, then RLS switched on."""
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=box(5, 5, 6, 6))
    for side in ("west", "east"):
        add_own_household(db, cell_id=two_cells[side], address=side)
    db.flush()
    return two_cells


@pytest.mark.parametrize("area", sorted(AREAS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_by_area(world, make_user, auth_client, request, role, area):
    codes, households = AREAS[area]
    make_user("u", role, regions=[c for c in codes if len(c) == 12],
              cells=[c for c in codes if len(c) == 15])
    request.getfixturevalue("rls_db")  # from here on, requests run as onegrid_app
    client = auth_client("u")

    me = client.get("/auth/me")
    assert me.status_code == 200
    assert me.json()["roles"] == [role] and me.json()["unrestricted"] is False

    regions = client.get("/regions")
    assert regions.status_code == (200 if can(role, "regions:read") else 403)

    cells = client.get("/cells")
    if can(role, "cells:read"):
        assert cells.status_code == 200
        counts = {f["properties"]["code"]: f["properties"]["households"]
                  for f in cells.json()["features"]}
        assert counts == households
    else:
        assert cells.status_code == 403

    located = client.get("/locate", params={"lon": 0.5, "lat": 0.5})
    assert located.status_code == (200 if can(role, "cells:read") else 403)
    if located.status_code == 200:
        assert located.json()["cell"]["code"] == WEST  # the map is not area-bound

    log = client.get("/access-log")
    assert log.status_code == (200 if can(role, "access_log:read") else 403)


def test_unscoped_admin_sees_every_household(world, make_user, auth_client, request):
    make_user("root", "admin")
    request.getfixturevalue("rls_db")
    counts = {f["properties"]["code"]: f["properties"]["households"]
              for f in auth_client("root").get("/cells").json()["features"]}
    assert counts == {WEST: 1, EAST: 1}


def test_user_without_any_area_counts_no_households(world, make_user, auth_client, request):
    make_user("lost", "manager")
    request.getfixturevalue("rls_db")
    counts = {f["properties"]["code"]: f["properties"]["households"]
              for f in auth_client("lost").get("/cells").json()["features"]}
    assert counts == {WEST: 0, EAST: 0}


def flat_routes(routes):
    """Every endpoint route; recent FastAPI wraps included routers (original_router)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes)
        elif isinstance(route, APIRoute | Route):
            yield route


def concrete_paths(app):
    for route in flat_routes(app.routes):
        path = route.path
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", "1").replace("{" + name + ":path}", "1")
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            yield route.path, method, path


def test_every_route_without_credentials_is_401_when_dev_mode_is_off(app, anon_client):
    checked = []
    for template, method, path in concrete_paths(app):
        if template in PUBLIC:
            continue
        response = anon_client.request(method, path)
        assert response.status_code == 401, (method, template, response.text[:200])
        assert response.headers.get("www-authenticate") == "Bearer"
        checked.append(template)
    assert {"/regions", "/cells", "/locate", "/access-log", "/auth/me"} <= set(checked)


def test_public_routes_stay_reachable_without_credentials(anon_client):
    assert anon_client.get("/openapi.json").status_code == 200
    assert anon_client.post("/auth/token", data={"username": "x", "password": "y"}
                            ).status_code == 401


def test_dev_mode_makes_anonymous_requests_the_dev_admin(client, settings):
    me = client.get("/auth/me").json()
    assert me["username"] == settings.security.dev_user and me["unrestricted"] is True


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "])
def test_bad_credentials_are_401_even_in_dev_mode(client, header):
    assert client.get("/auth/me", headers={"Authorization": header}).status_code == 401
    assert client.get("/auth/me", headers={"X-API-Key": "og_x_y"}).status_code == 401


# ------------------------------------------------------------------ every write route
# An administrator of another town (every permission, so only the area can refuse) sends
# one write aimed at the village of `people_world` to each write route; each is refused
# and no table changes. A new write route fails test_every_write_route_is_in_the_matrix
# until it is added here.
OUTSIDER_TOWN = OTHER_TOWN
WRITE_EXEMPT = {
    ("POST", "/auth/token"), ("POST", "/auth/refresh"), ("POST", "/auth/logout"),
    ("POST", "/auth/session"), ("POST", "/auth/session/refresh"),
    ("POST", "/auth/session/logout"),
    # creating a draft changes no area: it shares the active generation's cells
    ("POST", "/generations"),
}
WATCHED_TABLES = ("regions", "grid_generations", "grid_cells", "buildings", "building_cells",
                  "households", "household_moves", "persons", "special_population_records",
                  "legacy_layers", "legacy_cells", "road_lines", "staff", "staff_assignments")
WATCHED_TABLES += ("incidents", "incident_transitions", "incident_categories",
                   "incident_photos")
IN_VILLAGE = {"type": "Polygon", "coordinates": [[[106.001, 29.801], [106.009, 29.801],
                                                  [106.009, 29.809], [106.001, 29.809],
                                                  [106.001, 29.801]]]}
ACROSS_WEST = {"type": "LineString", "coordinates": [[106.005, 29.79], [106.005, 29.82]]}


def feature_file(geometry: dict, **props) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geometry}]}).encode()


@pytest.fixture()
def people_world(db, redrawn, three_cells):
    """The 106E village with a draft, a building, a household, a person and a record."""
    add_region(db, code=OUTSIDER_TOWN, level="town", parent=DISTRICT,
               geom=box(106.1, 29.8, 106.13, 29.81))
    ids = {"draft": redrawn["new"]}
    # two edits in the draft's history, the second undone: undo and redo have work to do
    admin = Principal(username="admin", permissions=frozenset({"*"}))
    for name in ("西一", "西二"):
        edit_service.redraw_cell(db, principal=admin, generation_id=ids["draft"],
                                 code=f"{VILLAGE}001", geom=box(106.00, 29.80, 106.01, 29.81),
                                 attrs={"name": name})
    editor_service.undo(db, principal=admin, generation_id=ids["draft"])
    ids["building"] = db.execute(text(
        "INSERT INTO buildings (code, address, geom) VALUES ('B1', '西路1号', "
        "ST_SetSRID(ST_MakePoint(106.005, 29.805), 4326)) RETURNING id")).scalar_one()
    ids["household"] = add_household(db, lon=106.005, lat=29.805, external_id="west")
    db.execute(PLACE_OWN,
               {"c": three_cells["west"], "h": ids["household"]})
    ids["person"] = add_person(db, household_id=ids["household"], name="西边的人",
                               id_number=WEST_PERSON_ID)
    ids["record"] = add_special(db, person_id=ids["person"], category="community_correction",
                                level="high")
    ids["incident"] = db.execute(text(
        "INSERT INTO incidents (code, category_id, source, status, title, geom, cell_id,"
        " cell_code, village_code) SELECT 'SJ1', k.id, 'patrol', 'reported', 'x',"
        " ST_SetSRID(ST_MakePoint(106.005, 29.805), 4326), :c, :code, :v"
        " FROM incident_categories k WHERE k.code = 'emergency' RETURNING id"),
        {"c": three_cells["west"], "code": f"{VILLAGE}001", "v": VILLAGE}).scalar_one()
    ids["staff"] = db.execute(text(
        "INSERT INTO staff (name, phone) VALUES ('西边网格员', '13900000000') RETURNING id")
    ).scalar_one()
    ids["assignment"] = db.execute(text(
        "INSERT INTO staff_assignments (staff_id, cell_code, role_code) "
        "VALUES (:s, :c, 'fulltime_worker') RETURNING id"),
        {"s": ids["staff"], "c": f"{VILLAGE}001"}).scalar_one()
    db.flush()
    return ids


WEST_PERSON_ID = make_id(seq="111")
PEOPLE_FILES = {
    "buildings": "地址,经度,纬度\n西路2号,106.005,29.805\n",
    "households": "户号,经度,纬度\nW2,106.005,29.805\n",
    "persons": f"姓名,身份证号,户号\n新人,{make_id(seq='113')},west\n",
    "special": f"身份证号,类别,关注程度\n{WEST_PERSON_ID},key_youth.05,high\n",
    "staff": f"姓名,网格编码,岗位\n新人,{VILLAGE}001,网格长\n",
}


def write_requests(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(method, route template, concrete path, request keyword arguments) per write."""
    draft, cell = ids["draft"], f"{VILLAGE}001"
    upload = {"data": {"commit": "true"}}
    requests = [
        ("POST", "/buildings", "/buildings",
         {"json": {"address": "西路3号", "lon": 106.005, "lat": 29.805}}),
        ("PATCH", "/buildings/{building_id}", f"/buildings/{ids['building']}",
         {"json": {"name": "改名"}}),
        ("DELETE", "/generations/{generation_id}", f"/generations/{draft}", {}),
        ("POST", "/generations/{generation_id}/activate", f"/generations/{draft}/activate",
         {"json": {}}),
        ("POST", "/generations/{generation_id}/repair", f"/generations/{draft}/repair", {}),
        ("POST", "/generations/{generation_id}/cells/{code}",
         f"/generations/{draft}/cells/{VILLAGE}009", {"json": IN_VILLAGE}),
        ("PUT", "/generations/{generation_id}/cells/{code}",
         f"/generations/{draft}/cells/{cell}", {"json": IN_VILLAGE}),
        ("DELETE", "/generations/{generation_id}/cells/{code}",
         f"/generations/{draft}/cells/{cell}", {}),
        ("POST", "/generations/{generation_id}/cells/{code}/split",
         f"/generations/{draft}/cells/{cell}/split", {"json": {"line": ACROSS_WEST}}),
        ("POST", "/generations/{generation_id}/merge", f"/generations/{draft}/merge",
         {"json": {"codes": [cell, f"{VILLAGE}002"]}}),
        ("POST", "/generations/{generation_id}/propose", f"/generations/{draft}/propose",
         {"json": {"region": VILLAGE, "households_min": 1, "households_max": 5}}),
        ("PUT", "/generations/{generation_id}/cells/{code}",
         f"/generations/{draft}/cells/{cell}?follow=true", {"json": IN_VILLAGE}),
        ("POST", "/generations/{generation_id}/paint", f"/generations/{draft}/paint",
         {"json": {"to": f"{VILLAGE}002", "buildings": [ids["building"]]}}),
        ("POST", "/generations/{generation_id}/preview", f"/generations/{draft}/preview",
         {"json": {"op": "merge", "codes": [cell, f"{VILLAGE}002"]}}),
        ("POST", "/generations/{generation_id}/undo", f"/generations/{draft}/undo", {}),
        ("POST", "/generations/{generation_id}/redo", f"/generations/{draft}/redo", {}),
        ("POST", "/generations/{generation_id}/renumber", f"/generations/{draft}/renumber",
         {"json": {"village": VILLAGE}}),
        ("POST", "/households", "/households",
         {"json": {"external_id": "W3", "lon": 106.005, "lat": 29.805}}),
        ("PATCH", "/households/{household_id}", f"/households/{ids['household']}",
         {"json": {"members": 9}}),
        ("PUT", "/households/{household_id}/location",
         f"/households/{ids['household']}/location", {"json": {"cell_code": cell}}),
        ("POST", "/imports/regions", "/imports/regions", {**upload, "files": {"file": (
            "r.geojson", feature_file(IN_VILLAGE, 代码=VILLAGE, 名称="改名"))}}),
        ("POST", "/imports/layers", "/imports/layers", {
            "data": {"commit": "true", "department": "城管"},
            "files": {"file": ("l.geojson", feature_file(IN_VILLAGE, 网格编码="A"))}}),
        ("POST", "/imports/roads", "/imports/roads", {**upload, "files": {"file": (
            "roads.geojson", feature_file(ACROSS_WEST, name="路"))}}),
        ("POST", "/persons", "/persons", {"json": {
            "name": "新人", "id_number": make_id(seq="115"), "household_id": ids["household"]}}),
        ("PATCH", "/persons/{person_id}", f"/persons/{ids['person']}",
         {"json": {"name": "改名"}}),
        ("POST", "/special-populations", "/special-populations", {"json": {
            "person_id": ids["person"], "category_code": "key_youth.05",
            "concern_level": "low"}}),
        ("PATCH", "/special-populations/{record_id}", f"/special-populations/{ids['record']}",
         {"json": {"concern_level": "low"}}),
        ("POST", "/staff", "/staff", {"json": {"name": "新人", "assignments": [
            {"cell_code": cell, "role": "grid_head"}]}}),
        ("PATCH", "/staff/{staff_id}", f"/staff/{ids['staff']}",
         {"json": {"name": "改名", "add_assignments": [{"cell_code": cell,
                                                         "role": "grid_head"}]}}),
        ("POST", "/staff/{staff_id}/assignments/{assignment_id}/end",
         f"/staff/{ids['staff']}/assignments/{ids['assignment']}/end", {"json": {}}),
    ]
    requests += [("POST", "/imports/people/{kind}", f"/imports/people/{kind}",
                  {**upload, "files": {"file": (f"{kind}.csv", body.encode())}})
                 for kind, body in PEOPLE_FILES.items()]
    requests += [
        ("POST", "/incidents", "/incidents", {"json": {
            "source": "patrol", "category": "emergency", "lon": 106.005, "lat": 29.805}}),
        ("POST", "/incidents/{incident_id}/transitions",
         f"/incidents/{ids.get('incident', 1)}/transitions", {"json": {"action": "register"}}),
        ("PUT", "/incidents/{incident_id}/location",
         f"/incidents/{ids.get('incident', 1)}/location", {"json": {
             "lon": 106.115, "lat": 29.805, "note": "wrong place"}}),
        ("POST", "/incidents/{incident_id}/photos", f"/incidents/{ids.get('incident', 1)}/photos",
         {"files": {"file": ("p.jpg", b"\xff\xd8\xff\xe0" + bytes(16))}}),
        ("POST", "/incidents/categories/import", "/incidents/categories/import", {
            "data": {"commit": "true"}, "files": {"file": (
                "c.csv", b"code,name_zh,name_en,time_limit_hours\nemergency,x,y,1\n")}}),
        ("PUT", "/staff/me/position", "/staff/me/position", {"json": {
            "lon": 106.005, "lat": 29.805}}),
        ("POST", "/open311/v2/requests.{fmt}", "/open311/v2/requests.json", {"data": {
            "service_code": "emergency", "lat": "29.805", "long": "106.005"}}),
    ]
    return requests


def snapshot(db) -> dict[str, str]:
    """A digest of every watched table, whatever area its rows are in."""
    db.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
    return {table: db.execute(text(  # table names are the constants above
        f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
    )).scalar() for table in WATCHED_TABLES}


@pytest.fixture()
def request_units(app, db):
    """Each request in a savepoint rolled back on error, as the real unit of work does
    (the shared test session would otherwise keep what a refused request wrote first)."""
    from api import deps

    def session_per_request():
        savepoint = db.begin_nested()
        try:
            yield db
            db.flush()
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()

    app.dependency_overrides[deps.get_session] = session_per_request


def test_every_write_route_is_in_the_matrix(app):
    writes = {(m, t) for t, m, _ in concrete_paths(app) if m in ("POST", "PUT", "PATCH",
                                                                "DELETE")}
    covered = {(m, t) for m, t, _, _ in write_requests(dict.fromkeys(
        ("draft", "building", "household", "person", "record", "staff", "assignment"), 1))}
    assert writes - WRITE_EXEMPT == covered


def test_a_user_of_another_area_changes_nothing_through_any_write(
        db, people_world, request_units, make_user, auth_client, request):
    make_user("outsider", "admin", regions=[OUTSIDER_TOWN])
    request.getfixturevalue("rls_db")
    client = auth_client("outsider")
    before = snapshot(db)
    for method, template, path, kwargs in write_requests(people_world):
        response = client.request(method, path, **kwargs)
        if template.startswith("/imports/"):
            assert response.status_code == 422, (method, template, response.text[:300])
            assert "your area" in response.text, (method, template, response.text[:300])
        else:
            assert response.status_code in (403, 404), (method, template,
                                                         response.status_code,
                                                         response.text[:300])
        assert snapshot(db) == before, (method, template)
