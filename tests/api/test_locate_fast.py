"""The /locate fast path: what its caches let a user notice, and the asyncpg statement itself."""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from contextlib import asynccontextmanager

import asyncpg
import pytest
from shapely.geometry import box
from sqlalchemy import text

from api.pool import asyncpg_dsn
from gis.auth import keys, service
from gis.errors import NotFound
from gis.grid import locate_async
from tests.factories import VILLAGE, add_cell, add_generation

INSIDE_WEST = {"lon": 0.5, "lat": 0.5}
OTHER_VILLAGE = "500151001002"
UNGRIDDED_VILLAGE = "500151001003"


def activate_single_cell_generation(db, old_generation: int) -> int:
    """What activation does to the tables: retire the old one, a new one with one cell."""
    db.execute(text("UPDATE grid_generations SET status = 'retired', "
                    "effective_to = DATE '2026-06-30' WHERE id = :g"), {"g": old_generation})
    db.execute(text("UPDATE grid_cells SET generation_high = :g WHERE generation_low = :g"),
               {"g": old_generation})
    new = add_generation(db, name="2026-07")
    add_cell(db, code=VILLAGE + "003", geom=box(0, 0, 2, 1), generation=new)
    db.flush()
    return new


def test_a_newly_activated_generation_answers_at_once(client, db, two_cells):
    assert client.get("/locate", params=INSIDE_WEST).json()["cell"]["code"] == VILLAGE + "001"
    new = activate_single_cell_generation(db, two_cells["generation"])
    found = client.get("/locate", params=INSIDE_WEST).json()
    assert (found["generation"], found["cell"]["code"]) == (new, VILLAGE + "003")
    old = client.get("/locate", params={**INSIDE_WEST, "generation": two_cells["generation"]})
    assert old.json()["cell"]["code"] == VILLAGE + "001"


def test_both_generation_and_at_is_refused(client, two_cells):
    response = client.get("/locate", params={**INSIDE_WEST, "generation": 1,
                                             "at": "2026-02-01"})
    assert response.status_code == 422 and "not both" in response.json()["message"]


@pytest.fixture()
def reader_key(db, make_user):
    user = make_user("integration", "admin")
    row, plain = keys.create_api_key(db, user=user, name="gis", permissions=["cells:read"],
                                     allowed=frozenset({"*"}))
    db.flush()
    return row, plain


def test_a_revoked_key_stops_working_within_the_ttl(app, db, two_cells, reader_key,
                                                     key_client, strict_settings):
    row, plain = reader_key
    caller = key_client(plain)
    assert caller.get("/locate", params=INSIDE_WEST).status_code == 200  # now cached
    now = [time.monotonic()]
    app.state.principal_cache.clock = lambda: now[0]  # the test moves time, no sleeping
    keys.revoke_api_key(db, key_id=row.id)
    db.flush()
    now[0] += strict_settings.security.principal_cache_seconds / 2
    assert caller.get("/locate", params=INSIDE_WEST).status_code == 200  # documented lag
    now[0] += strict_settings.security.principal_cache_seconds
    response = caller.get("/locate", params=INSIDE_WEST)
    assert response.status_code == 401 and "revoked" in response.json()["message"]


def test_with_the_cache_off_a_lost_role_is_felt_at_once(db, app, two_cells, make_user,
                                                        auth_client, strict_settings):
    strict_settings.security.principal_cache_seconds = 0
    make_user("ann", "admin")
    caller = auth_client("ann")
    assert caller.get("/locate", params=INSIDE_WEST).status_code == 200
    service.revoke_role(db, username="ann", role="admin")
    db.flush()
    assert caller.get("/locate", params=INSIDE_WEST).status_code == 403


def test_bad_credentials_are_never_cached(app, two_cells, key_client, strict_settings):
    caller = key_client("og_deadbeef_not-a-key")
    assert caller.get("/locate", params=INSIDE_WEST).status_code == 401
    assert caller.get("/locate", params=INSIDE_WEST).status_code == 401
    assert not getattr(app.state, "principal_cache", None) or not \
        app.state.principal_cache._entries


class OneConnection:
    """A pool of exactly one connection (so the test's transaction stays visible)."""

    def __init__(self, connection):
        self.connection = connection

    @asynccontextmanager
    async def acquire(self):
        yield self.connection


async def _asyncpg_answers(url: str) -> tuple[dict, dict, dict, Exception | None]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with connection.transaction():
            await connection.execute(
                "INSERT INTO grid_generations (name, status, effective_from) "
                "VALUES ('g', 'active', DATE '2026-01-01')")
            gen = await connection.fetchval("SELECT id FROM grid_generations "
                                            "WHERE status = 'active'")
            for village, west in ((VILLAGE, 0.0), (OTHER_VILLAGE, 1.0)):  # 1 x 1 degree
                await connection.execute(
                    "INSERT INTO regions (code, level, name, geom) VALUES ($1, 'village', "
                    "'v', ST_Multi(ST_MakeEnvelope($2::float8, 0, $2::float8 + 1, 1, 4326)))",
                    village, west)
                await connection.execute(
                    "INSERT INTO grid_cells (code, village_code, generation_low, geom) VALUES "
                    "($1, $2, $3, ST_MakeEnvelope($4::float8, 0, $4::float8 + 1, 1, 4326))",
                    village + "001", village, gen, west)
            # a third village east of the others, with no cell drawn in it yet
            await connection.execute(
                "INSERT INTO regions (code, level, name, geom) VALUES ($1, 'village', 'v', "
                "ST_Multi(ST_MakeEnvelope(2, 0, 3, 1, 4326)))", UNGRIDDED_VILLAGE)
            pool = OneConnection(connection)
            edge = await locate_async.locate_point(pool, locate_async.PointQuery(1.0, 0.5))
            dated = await locate_async.locate_point(
                pool, locate_async.PointQuery(1.5, 0.5, at=dt.date(2026, 3, 1)))
            ungridded = await locate_async.locate_point(pool, locate_async.PointQuery(2.5, 0.5))
            try:
                await locate_async.locate_point(pool, locate_async.PointQuery(
                    0.5, 0.5, generation_id=gen + 1000))
                missing = None
            except NotFound as exc:
                missing = exc
            raise _Rollback(edge, dated, ungridded, missing)
    except _Rollback as done:
        return done.args
    finally:
        await connection.close()


class _Rollback(Exception):
    """Leaves the transaction (rolling it back) with the answers."""


def test_the_asyncpg_statement_applies_the_same_rules(migrated_url):
    edge, dated, ungridded, missing = asyncio.run(_asyncpg_answers(migrated_url))
    # on the shared edge: the lower cell code, and the village of that very cell (not the
    # neighbour whose boundary the point is also on)
    assert edge["cell"]["code"] == VILLAGE + "001"
    assert edge["village"]["code"] == VILLAGE and edge["district"] is None
    # outside every cell: no cell, and the village that covers the point
    assert ungridded["cell"] is None and ungridded["village"]["code"] == UNGRIDDED_VILLAGE
    assert dated["cell"]["code"] == OTHER_VILLAGE + "001"
    assert missing is not None and "does not exist" in missing.message
