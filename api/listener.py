"""One asyncpg connection of a worker's own that LISTENs, reconnecting for ever.

The live /locate index (api/locate_index.py) and the consoles' incident feed
(api/incident_feed.py) both hold such a connection: connect, subscribe, follow until
the connection fails, say so once, close it, wait, connect again. A subclass says what
to subscribe to (`attach`), what to do while connected (`follow`) and what losing the
connection means for it (`detached`)."""
from __future__ import annotations

import asyncio
import logging
from contextlib import suppress


class Listener:
    application_name = "onegrid"  # as pg_stat_activity shows the connection
    log = logging.getLogger("onegrid")

    def __init__(self, dsn: str, *, retry_seconds: float = 5.0) -> None:
        self.dsn = dsn
        self.retry_seconds = retry_seconds
        self.last_error: str | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def attach(self, connection) -> None:
        """Subscribe (add_listener) and check the database can notify; raise if not."""
        raise NotImplementedError

    async def follow(self, connection) -> None:
        """Work while connected; return or raise when the connection is gone."""
        raise NotImplementedError

    def detached(self) -> None:
        """The connection is gone (or was never made): forget what it vouched for."""

    async def _run(self) -> None:
        import asyncpg

        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self.dsn, server_settings={
                    "application_name": self.application_name})
                await self.attach(connection)
                await self.follow(connection)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: say it once, connect again
                error = f"{type(exc).__name__}: {exc}"
                if error != self.last_error:
                    self.log.warning("%s is off (%s); trying again every %g s",
                                     self.application_name, error, self.retry_seconds)
                self.last_error = error
            finally:
                self.detached()
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(self.retry_seconds)
