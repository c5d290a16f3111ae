"""Migration 0007: a committed change to what /locate answers is announced, drafts are not."""
from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.engine import make_url

from gis.grid.cell_index import CHANNEL
from tests.factories import VILLAGE

DRAFT_CELL = VILLAGE + "009"


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _announced(url: str, *transactions: list[str], rollback: bool = False) -> list[str]:
    """The payloads NOTIFYed while `transactions` run on another connection, in order."""
    listener = await asyncpg.connect(asyncpg_dsn(url))
    writer = await asyncpg.connect(asyncpg_dsn(url))
    heard: list[str] = []
    try:
        await listener.add_listener(CHANNEL, lambda *args: heard.append(args[-1]))
        for statements in transactions:
            transaction = writer.transaction()
            await transaction.start()
            for sql in statements:
                await writer.execute(sql)
            await (transaction.rollback() if rollback else transaction.commit())
        await writer.execute(f"NOTIFY {CHANNEL}, 'marker'")  # delivered after the others
        async with asyncio.timeout(10):
            while "marker" not in heard:
                await asyncio.sleep(0.01)
        return heard[:heard.index("marker")]
    finally:
        await writer.close()
        await listener.close()


def announced(url, *transactions, rollback=False) -> list[str]:
    return asyncio.run(_announced(url, *transactions, rollback=rollback))


DRAFT = [
    "INSERT INTO grid_generations (name, status) VALUES ('draft', 'draft')",
]
DRAFT_EDITS = [
    f"INSERT INTO grid_cells (code, village_code, generation_low, geom) SELECT '{DRAFT_CELL}', "
    f"'{VILLAGE}', max(id), ST_MakeEnvelope(0, 0, 1, 1, 4326) FROM grid_generations",
    f"UPDATE grid_cells SET geom = ST_MakeEnvelope(0, 0, 0.5, 1, 4326) "
    f"WHERE code = '{DRAFT_CELL}'",
    f"DELETE FROM grid_cells WHERE code = '{DRAFT_CELL}'",
]
REDRAW_ACTIVE = [
    f"UPDATE grid_cells SET geom = ST_MakeEnvelope(0, 0, 0.25, 1, 4326) "
    f"WHERE code = '{VILLAGE}001'",
]


def test_editing_a_draft_announces_nothing(committed_grid_url):
    announced(committed_grid_url, DRAFT)  # the new generation itself is announced
    assert announced(committed_grid_url, DRAFT_EDITS) == []


def test_redrawing_an_active_cell_is_announced_at_commit(committed_grid_url):
    assert "grid_cells" in announced(committed_grid_url, REDRAW_ACTIVE)


def test_a_rolled_back_change_is_not_announced(committed_grid_url):
    assert announced(committed_grid_url, REDRAW_ACTIVE, rollback=True) == []


def test_generations_and_regions_are_always_announced(committed_grid_url):
    assert announced(committed_grid_url, DRAFT) == ["grid_generations"]
    assert announced(committed_grid_url, ["UPDATE regions SET name = 'renamed' WHERE "
                                          f"code = '{VILLAGE}'"]) == ["regions"]


def test_deleting_an_active_cell_is_announced(committed_grid_url):
    assert "grid_cells" in announced(committed_grid_url, [
        f"DELETE FROM grid_cells WHERE code = '{VILLAGE}002'"])
