"""PointBatcher: concurrent lookups share round trips, and each caller gets its own answer."""
from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import asynccontextmanager

import asyncpg
import pytest

from api.pool import asyncpg_dsn
from gis.errors import NotFound
from gis.grid import locate_async
from gis.grid.locate_async import PointBatcher, PointQuery
from tests.factories import VILLAGE


class CountingPool:
    """One connection (the test's transaction stays visible); counts the statements run."""

    def __init__(self, connection):
        self.connection = connection
        self.statements = 0

    @asynccontextmanager
    async def acquire(self):
        self.statements += 1
        await asyncio.sleep(0.01)  # a slow round trip: lookups pile up behind it
        yield self.connection


async def _in_rolled_back_grid(url: str, work):
    """Two 1 x 1 degree cells side by side in one village, active since 2026-01-01."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(
            "INSERT INTO regions (code, level, name, geom) VALUES ($1, 'village', 'v', "
            "ST_Multi(ST_MakeEnvelope(0, 0, 2, 1, 4326)))", VILLAGE)
        gen = await connection.fetchval(
            "INSERT INTO grid_generations (name, status, effective_from) "
            "VALUES ('g', 'active', DATE '2026-01-01') RETURNING id")
        for serial, west in (("001", 0.0), ("002", 1.0)):
            await connection.execute(
                "INSERT INTO grid_cells (code, village_code, generation_low, geom) VALUES "
                "($1, $2, $3, ST_MakeEnvelope($4::float8, 0, $4::float8 + 1, 1, 4326))",
                VILLAGE + serial, VILLAGE, gen, west)
        return await work(CountingPool(connection))
    finally:
        await transaction.rollback()
        await connection.close()


def test_concurrent_lookups_share_statements_and_keep_their_own_answers(migrated_url):
    points = [(0.1 + 0.09 * i, 0.5) for i in range(20)]  # west cell below lon 1, east above

    async def work(pool):
        batcher = PointBatcher(pool, lanes=1)
        answers = await asyncio.gather(*(batcher.locate(PointQuery(lon, lat))
                                         for lon, lat in points))
        return answers, pool.statements

    answers, statements = asyncio.run(_in_rolled_back_grid(migrated_url, work))
    expected = [VILLAGE + ("001" if lon <= 1 else "002") for lon, _ in points]
    assert [a["cell"]["code"] for a in answers] == expected
    assert [a["lon"] for a in answers] == [lon for lon, _ in points]
    assert all(a["village"]["code"] == VILLAGE for a in answers)
    assert statements < len(points) / 4  # one lane: the waiting lookups went together


def test_lookups_for_other_generations_in_the_same_burst_are_answered_apart(migrated_url):
    async def work(pool):
        batcher = PointBatcher(pool, lanes=1)
        return await asyncio.gather(
            batcher.locate(PointQuery(0.5, 0.5)),
            batcher.locate(PointQuery(1.5, 0.5, at=dt.date(2020, 1, 1))),  # before any
            batcher.locate(PointQuery(1.5, 0.5, at=dt.date(2026, 3, 1))),
            return_exceptions=True)

    now, too_early, dated = asyncio.run(_in_rolled_back_grid(migrated_url, work))
    assert now["cell"]["code"] == VILLAGE + "001"
    assert isinstance(too_early, NotFound) and "2020-01-01" in too_early.message
    assert dated["cell"]["code"] == VILLAGE + "002"


def test_a_bad_point_fails_alone_before_reaching_the_batch(migrated_url):
    async def work(pool):
        batcher = PointBatcher(pool, lanes=1)
        return await asyncio.gather(batcher.locate(PointQuery(400.0, 0.5)),
                                    batcher.locate(PointQuery(0.5, 0.5)),
                                    return_exceptions=True)

    bad, good = asyncio.run(_in_rolled_back_grid(migrated_url, work))
    assert "not WGS84 degrees" in str(bad) and good["cell"]["code"] == VILLAGE + "001"


def test_a_database_error_reaches_every_caller_of_the_batch(migrated_url):
    async def work(pool):
        broken = ("SELECT * FROM no_such_table", ())
        batcher = PointBatcher(pool, lanes=1, statement=broken)
        return await asyncio.gather(*(batcher.locate(PointQuery(0.5, 0.5)) for _ in range(3)),
                                    return_exceptions=True)

    with pytest.raises(asyncpg.UndefinedTableError):
        raise asyncio.run(_in_rolled_back_grid(migrated_url, work))[0]


def test_the_single_lookup_and_the_batch_agree(migrated_url):
    async def work(pool):
        alone = await locate_async.locate_point(pool, PointQuery(1.0, 0.5))  # on the edge
        batched = await PointBatcher(pool, lanes=1).locate(PointQuery(1.0, 0.5))
        return alone, batched

    alone, batched = asyncio.run(_in_rolled_back_grid(migrated_url, work))
    assert alone == batched and alone["cell"]["code"] == VILLAGE + "001"
