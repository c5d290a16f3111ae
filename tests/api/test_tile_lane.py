"""/tiles on its fast path (api/tile_lane.py: one statement on the asyncpg pool), as users
see it: a worker's tile shows his cells' household counts and nobody else's; a request
without a valid token gets no tile.

These run the real app with its lifespan (the asyncpg pool) on tests/committed_fixtures.py's
committed two-cell grid (west …001, east …002), since pool connections cannot see the rows
of a test's rolled-back transaction."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.app import create_app
from gis.auth import service, tokens
from gis.db import sqlalchemy_url
from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
# Zoom 8 tile 128/127 covers lon 0 to 1.40625 and lat 0 to 1.40: the west cell and part
# of the east one.
TILE = "/tiles/cells/8/128/127.pbf"


def households_in(url: str, *, code: str, count: int) -> None:
    """Commit `count` households placed in a cell (cell_rollups follow by trigger)."""
    engine = create_engine(sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        # the owner is under row-level security too (FORCE): this setup sees every area
        session.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
        session.execute(text(
            "WITH new AS (INSERT INTO households (external_id, address, members, geom, "
            "                                     located_by) "
            "  SELECT :code || '-' || i, 'address ' || i, 1, "
            "         ST_SetSRID(ST_MakePoint(0.5, 0.5), 4326), 'coordinates' "
            "  FROM generate_series(1, :n) AS i RETURNING id) "
            "INSERT INTO household_own_cells (household_id, cell_id) "
            "SELECT new.id, c.id FROM new, grid_cells AS c WHERE c.code = :code"),
            {"code": code, "n": count})
    engine.dispose()


def add_user(url: str, username: str, *, role: str, cells: tuple[str, ...] = ()) -> str:
    """Commit a user; returns the password hash (for minting tokens)."""
    engine = create_engine(sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        user = service.add_user(session, username=username, roles=(role,))
        for code in cells:
            service.add_scope(session, username=username, code=code)
        password_hash = user.password_hash
    engine.dispose()
    return password_hash


@pytest.fixture()
def served(committed_grid_url, strict_settings):
    """The real app (dev mode off), lifespan and all, on a grid with households: three in
    the west cell, two in the east; a worker whose area is the west cell, an admin."""
    households_in(committed_grid_url, code=WEST, count=3)
    households_in(committed_grid_url, code=EAST, count=2)
    hashes = {"walker": add_user(committed_grid_url, "walker", role="grid_worker",
                                 cells=(WEST,)),
              "root": add_user(committed_grid_url, "root", role="admin")}
    strict_settings.database.url = committed_grid_url
    app = create_app(strict_settings)
    with TestClient(app) as client:
        assert app.state.asyncpg_pool is not None  # the lane's own path, not a test hook
        yield client, hashes, strict_settings.security


def bearer(security, username: str, password_hash: str, *,
           now: dt.datetime | None = None) -> dict:
    pair = tokens.issue_tokens(security, username=username, password_hash=password_hash,
                               now=now)
    return {"Authorization": f"Bearer {pair.access_token}"}


def counts_in(tile: bytes, tmp_path) -> dict[str, int]:
    """{cell code: households} read back from the tile with GDAL's MVT driver."""
    if not shutil.which("ogrinfo"):
        pytest.skip("ogrinfo (gdal-bin) is needed to decode the tile")
    path = tmp_path / "tile.pbf"
    path.write_bytes(tile)
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-oo", "Z=8", "-oo", "X=128", "-oo",
                          "Y=127", str(path)], capture_output=True, text=True,
                         check=True).stdout
    found = {}
    for feature in out.split("OGRFeature(cells)")[1:]:
        code = re.search(r"code \(String\) = (\d+)", feature).group(1)
        found[code] = int(re.search(r"households \(Integer(?:64)?\) = (\d+)", feature).group(1))
    return found


def test_a_worker_sees_only_his_cells_households(served, tmp_path):
    client, hashes, security = served
    response = client.get(TILE, headers=bearer(security, "walker", hashes["walker"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert int(response.headers["x-generation"]) >= 1
    # his cell shows its households; the neighbour's read 0, as under row-level security
    assert counts_in(response.content, tmp_path) == {WEST: 3, EAST: 0}


def test_an_unrestricted_caller_sees_every_count(served, tmp_path):
    client, hashes, security = served
    response = client.get(TILE, headers=bearer(security, "root", hashes["root"]))
    assert counts_in(response.content, tmp_path) == {WEST: 3, EAST: 2}


def test_the_area_of_one_caller_never_reaches_the_next(served, tmp_path):
    """The pool's connections are reused without a reset: the area must end with the
    statement's own transaction."""
    client, hashes, security = served
    admin, worker = (bearer(security, "root", hashes["root"]),
                     bearer(security, "walker", hashes["walker"]))
    for _ in range(3):
        assert counts_in(client.get(TILE, headers=admin).content, tmp_path)[EAST] == 2
        assert counts_in(client.get(TILE, headers=worker).content, tmp_path)[EAST] == 0


def test_an_expired_token_gets_no_tile(served):
    client, hashes, security = served
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    response = client.get(TILE, headers=bearer(security, "walker", hashes["walker"],
                                                now=long_ago))
    assert response.status_code == 401 and "expired" in response.json()["message"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
def test_no_valid_token_no_tile(served, headers):
    client, _, _ = served
    response = client.get(TILE, headers=headers)
    assert response.status_code == 401 and response.json()["message"]
    assert b"cells" not in response.content


def test_bad_tiles_and_parameters_answer_like_the_route(served):
    client, hashes, security = served
    headers = bearer(security, "root", hashes["root"])
    assert client.get("/tiles/roads/8/128/127.pbf", headers=headers).status_code == 404
    assert client.get("/tiles/cells/3/8/0.pbf", headers=headers).status_code == 404
    assert client.get("/tiles/cells/14/0/0.pbf", headers=headers).status_code == 204
    assert client.get(TILE, params={"generation": 999}, headers=headers).status_code == 404
    both = client.get(TILE, params={"generation": 1, "at": "2026-01-01"}, headers=headers)
    assert both.status_code == 422 and "not both" in both.json()["message"]
    bad = client.get(TILE, params={"at": "yesterday"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "at"]
