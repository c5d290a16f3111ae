"""/locate from memory follows the committed grid: redraws, activations, a lost connection.

These run against tests/committed_fixtures.py's committed two-cell grid (west …001 and
east …002, one degree each), since the index reads it on connections of its own."""
from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.locate_index import APPLICATION_NAME, LiveCellIndex
from api.pool import asyncpg_dsn
from gis.db import sqlalchemy_url
from gis.grid import cell_index
from gis.grid.locate_async import PointQuery
from tests.factories import VILLAGE

WEST = {"lon": 0.5, "lat": 0.5}


def commit(url: str, *statements: str, **params) -> None:
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql), params)
    engine.dispose()


# Moves the shared edge from lon 1 to lon 0.25: (0.5, 0.5) is now in the east cell.
REDRAW = ("UPDATE grid_cells SET geom = ST_MakeEnvelope(0, 0, 0.25, 1, 4326) "
          "WHERE code = :west",
          "UPDATE grid_cells SET geom = ST_MakeEnvelope(0.25, 0, 2, 1, 4326) "
          "WHERE code = :east")
CELLS = {"west": VILLAGE + "001", "east": VILLAGE + "002"}


def wait_for(condition, *, seconds: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.02)


@pytest.fixture()
def served(committed_grid_url, settings):
    """The real app on the committed grid, lifespan and all (no test session)."""
    settings.database.url = committed_grid_url
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: index_state(client)["state"] == "current", what="first load")
        yield client


def index_state(client) -> dict:
    return client.get("/healthz").json()["locate_index"]


def located_code(client) -> str:
    return client.get("/locate", params=WEST).json()["cell"]["code"]


def test_locate_answers_from_memory_once_loaded(served):
    state = index_state(served)
    assert (state["cells"], state["loads"]) == (2, 1)
    assert located_code(served) == CELLS["west"]
    answer = served.get("/locate", params={"lon": 1.0, "lat": 0.5}).json()
    assert answer["cell"]["code"] == CELLS["west"]  # the shared edge: the lower code
    assert answer["village"]["code"] == VILLAGE
    outside = served.get("/locate", params={"lon": 5.0, "lat": 5.0})  # the database's answer
    assert outside.status_code == 200 and outside.json()["cell"] is None
    assert outside.json()["village"] is None


def test_a_redrawn_active_cell_is_felt_at_once(served, committed_grid_url):
    commit(committed_grid_url, *REDRAW, **CELLS)
    # Until the notification arrives the old index may answer, at most milliseconds after
    # the commit; from then on the database does, while the index reloads.
    wait_for(lambda: located_code(served) == CELLS["east"], seconds=5, what="new answer")
    wait_for(lambda: index_state(served).get("loads") == 2, what="reload")
    assert located_code(served) == CELLS["east"]


def test_an_activation_is_felt_at_once(served, committed_grid_url):
    commit(committed_grid_url,
           "UPDATE grid_generations SET status = 'retired', effective_to = DATE '2026-06-30'",
           "UPDATE grid_cells SET generation_high = generation_low",
           "INSERT INTO grid_generations (name, status, effective_from) "
           "VALUES ('2026-07', 'active', DATE '2026-07-01')",
           "INSERT INTO grid_cells (code, village_code, generation_low, geom) SELECT :code, "
           ":village, max(id), ST_MakeEnvelope(0, 0, 2, 1, 4326) FROM grid_generations",
           code=VILLAGE + "003", village=VILLAGE)
    wait_for(lambda: located_code(served) == VILLAGE + "003", seconds=5, what="new grid")
    wait_for(lambda: index_state(served).get("cells") == 1, what="reload")
    dated = served.get("/locate", params={**WEST, "at": "2026-03-01"}).json()
    assert dated["cell"]["code"] == CELLS["west"]  # history is still the database's


def test_with_the_index_off_every_lookup_asks_the_database(committed_grid_url, settings):
    settings.database.url = committed_grid_url
    settings.server.locate_index = False
    with TestClient(create_app(settings)) as client:
        assert index_state(client) == {"state": "off"}
        assert located_code(client) == CELLS["west"]


async def _follow(url: str, probe) -> list:
    """Run a LiveCellIndex on `url` through `probe(live)` (an async function)."""
    live = LiveCellIndex(asyncpg_dsn(url), retry_seconds=0.05)
    live.start()
    try:
        async with asyncio.timeout(20):
            while not live.current:
                await asyncio.sleep(0.01)
            return await probe(live)
    finally:
        await live.close()


def test_a_lost_connection_drops_the_index_and_it_comes_back(committed_grid_url):
    async def probe(live):
        killer = await asyncpg.connect(asyncpg_dsn(committed_grid_url))
        try:
            killed = await killer.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1 AND datname = current_database()",
                APPLICATION_NAME)
        finally:
            await killer.close()
        while live.current:  # the termination is noticed
            await asyncio.sleep(0.01)
        dropped = live.index
        while not live.current:  # reconnected and loaded again
            await asyncio.sleep(0.01)
        return [killed, dropped, live.loads, live.index.locate(PointQuery(0.5, 0.5))]

    killed, dropped, loads, answer = asyncio.run(_follow(committed_grid_url, probe))
    assert (killed, dropped, loads) == (1, None, 2)
    assert answer["cell"]["code"] == CELLS["west"]


def test_a_load_overtaken_by_a_commit_is_thrown_away(committed_grid_url, monkeypatch):
    built = []

    def from_rows(rows):
        index = real_from_rows(rows)
        built.append(index)
        if len(built) == 1:  # as if a commit's notification arrived during this load
            live_holder[0]._changed()
        return index

    real_from_rows = cell_index.CellIndex.from_rows
    live_holder = []
    monkeypatch.setattr(cell_index.CellIndex, "from_rows", staticmethod(from_rows))

    async def probe(live):
        return [len(built), live.loads, live.index is built[-1]]

    original_start = LiveCellIndex.start

    def start(self):
        live_holder.append(self)
        original_start(self)

    monkeypatch.setattr(LiveCellIndex, "start", start)
    assert asyncio.run(_follow(committed_grid_url, probe)) == [2, 1, True]


def test_without_change_notifications_the_index_never_answers(committed_grid_url):
    commit(committed_grid_url, "DROP TRIGGER tg_grid_cells_notify_update ON grid_cells")

    async def scenario():
        live = LiveCellIndex(asyncpg_dsn(committed_grid_url), retry_seconds=0.05)
        live.start()
        try:
            async with asyncio.timeout(20):
                while live.last_error is None:
                    await asyncio.sleep(0.01)
            return live.status(), live.index
        finally:
            await live.close()

    status, index = asyncio.run(scenario())
    assert index is None and status["state"] == "unavailable"
    assert "onegrid db migrate" in status["error"]


def test_a_grid_too_large_for_memory_is_left_to_the_database(committed_grid_url, settings):
    settings.database.url = committed_grid_url
    settings.server.locate_index_max_pieces = 1  # the grid has two pieces
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: index_state(client)["state"] == "unavailable", what="refusal")
        assert "more than 1 to hold in memory" in index_state(client)["error"]
        assert located_code(client) == CELLS["west"]
