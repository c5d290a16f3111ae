"""Role x area matrix over the endpoints, and a 401 for every route without credentials.

Requests run under row-level security (rls_db), so the household counts of /cells show
what each caller's area lets the database return: inside its area, outside it, nowhere."""
from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from shapely.geometry import box
from sqlalchemy import text
from starlette.routing import Route

from gis.reference import ROLES
from tests.factories import DISTRICT, TOWN, VILLAGE, add_region

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
OTHER_TOWN = "500151002000"
# area name -> (scope codes, households the caller should count in WEST and EAST)
AREAS = {"cell": ((WEST,), {WEST: 1, EAST: 0}),
         "town": ((TOWN,), {WEST: 1, EAST: 1}),
         "outside": ((OTHER_TOWN,), {WEST: 0, EAST: 0})}
# Routes anyone may call: log-in itself, health, the API docs and the static page shells.
PUBLIC = {"/healthz", "/auth/token", "/auth/refresh", "/auth/logout", "/openapi.json",
          "/docs", "/redoc", "/docs/oauth2-redirect", "/", "/map",
          "/auth/session", "/auth/session/refresh", "/auth/session/logout"}


def can(role: str, permission: str) -> bool:
    permissions = ROLES[role][1]
    return "*" in permissions or permission in permissions


@pytest.fixture()
def world(db, two_cells):
    """A household in each cell, a second town elsewhere, then RLS switched on."""
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=box(5, 5, 6, 6))
    for side in ("west", "east"):
        db.execute(text("INSERT INTO households (own_cell_id, address) VALUES (:c, :a)"),
                   {"c": two_cells[side], "a": side})
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
