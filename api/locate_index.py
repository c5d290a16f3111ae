"""The in-memory cell index of /locate, kept current with LISTEN/NOTIFY.

`LiveCellIndex` owns one asyncpg connection of its own. It LISTENs on `onegrid_grid`
(migration 0007 notifies at the commit of any change to the active generation's cells,
to generations or to regions), then loads gis.grid.cell_index.CellIndex. A notification
drops the index at once (requests go to the database, which is always current) and loads
it again; a load during which another change was committed is thrown away and repeated.
A lost connection drops the index too, and it is rebuilt after reconnecting; a heartbeat
query every `heartbeat_seconds` finds a connection that died without saying so.

So an answer from memory is at most as old as the delivery of a notification (the commit
on the server, then one message on a local socket): the same a request that started just
before the commit would see. The database path stays the reference: it answers while the
index loads, for ?generation= and ?at=, for points outside every cell, and whenever the
index is off (settings.server.locate_index = false)."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api.listener import Listener
from gis.grid.cell_index import CHANNEL, CellIndex, index_sql

log = logging.getLogger("onegrid.locate_index")

APPLICATION_NAME = "onegrid locate index"  # in pg_stat_activity
# Without migration 0007's triggers nothing would tell the index that the grid changed: it
# must not answer at all then (a database not yet migrated, or migrated back down).
# The pieces the index would hold, counted before they are read (through
# ix_grid_cell_pieces_cell per cell of the active generation).
PIECES = """SELECT count(*) FROM grid_generations AS g
    JOIN grid_cells AS c ON c.generation_low <= g.id
         AND (c.generation_high IS NULL OR c.generation_high >= g.id)
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    WHERE g.status = 'active'"""
ANNOUNCED = ("SELECT count(*) = 2 FROM pg_trigger WHERE tgname IN "
             "('tg_grid_cells_notify_update', 'tg_grid_generations_notify')")


class LiveCellIndex(Listener):
    """The active generation's CellIndex while it is known to be current, else None."""

    application_name = APPLICATION_NAME
    log = log

    def __init__(self, dsn: str, *, max_pieces: int = 200_000,
                 heartbeat_seconds: float = 30.0, retry_seconds: float = 5.0) -> None:
        super().__init__(dsn, retry_seconds=retry_seconds)
        self.max_pieces = max_pieces
        self.heartbeat_seconds = heartbeat_seconds
        self.index: CellIndex | None = None
        self.current = False  # loaded and not changed since (index None: no cells)
        self.loads = 0  # indexes built, for /healthz and tests
        self.loaded_at: float | None = None  # time.time() of the current index
        self.load_ms: float | None = None  # how long its load took (read + build)
        self._changes = 0
        self._wake = asyncio.Event()

    def status(self) -> dict:
        """What /healthz reports about the index."""
        if not self.current:
            return {"state": "loading" if self.last_error is None else "unavailable",
                    "error": self.last_error}
        index = self.index
        return {"state": "current", "generation": index and index.generation_id,
                "cells": index.cells if index else 0, "pieces": index.pieces if index else 0,
                "loaded_at": self.loaded_at, "load_ms": self.load_ms, "loads": self.loads}

    async def close(self) -> None:
        await super().close()
        self.index, self.current = None, False

    def _changed(self, *_args) -> None:
        """A notification (or a lost connection): stop answering from memory, reload."""
        self._changes += 1
        self.index, self.current = None, False
        self._wake.set()

    async def attach(self, connection) -> None:
        connection.add_termination_listener(self._changed)
        await connection.add_listener(CHANNEL, self._changed)  # before the first load
        if not await connection.fetchval(ANNOUNCED):
            raise RuntimeError("the database does not announce grid changes (run "
                               "`onegrid db migrate`: migration 0007_grid_notify); "
                               "/locate asks the database")

    def detached(self) -> None:
        self.index, self.current = None, False

    async def follow(self, connection) -> None:
        """Load, then wait for a change (or the heartbeat) and load again, until the
        connection fails."""
        while not connection.is_closed():
            self._wake.clear()
            changes = self._changes
            started = time.perf_counter()
            pieces = await connection.fetchval(PIECES)
            if pieces > self.max_pieces:
                raise RuntimeError(
                    f"the active generation has {pieces:,} lookup pieces, more than "
                    f"{self.max_pieces:,} to hold in memory (about 1.5-3 KB each); /locate "
                    "asks the database. Raise ONEGRID_SERVER__LOCATE_INDEX_MAX_PIECES if "
                    "the memory is there")
            rows = await connection.fetch(index_sql())
            index = await asyncio.to_thread(CellIndex.from_rows, rows)  # shapely, off the loop
            if self._changes != changes:
                continue  # a commit landed while loading: what was read may be old
            self.index, self.current, self.last_error = index, True, None
            self.loads, self.loaded_at = self.loads + 1, time.time()
            self.load_ms = round((time.perf_counter() - started) * 1000, 1)
            log.info("/locate cell index loaded: %s", self.status())
            while not self._wake.is_set():
                try:
                    await asyncio.wait_for(self._wake.wait(), self.heartbeat_seconds)
                except TimeoutError:
                    await connection.fetchval("SELECT 1", timeout=self.heartbeat_seconds)


@asynccontextmanager
async def live_index(app) -> AsyncIterator[None]:
    """app.state.locate_index for the app's lifetime: a LiveCellIndex, or None when off or
    when requests run on a test's session (a separate connection would not see its rows)."""
    from api.pool import asyncpg_dsn, session_override
    from gis.db_roles import service_url

    settings = app.state.settings
    app.state.locate_index = None
    if not settings.server.locate_index or session_override(app) is not None:
        yield
        return
    live = LiveCellIndex(asyncpg_dsn(service_url(settings.database)),
                         max_pieces=settings.server.locate_index_max_pieces)
    live.start()
    app.state.locate_index = live
    try:
        yield
    finally:
        app.state.locate_index = None
        await live.close()
