"""The consoles' live feed: incidents' changes from LISTEN/NOTIFY, fanned out to each
connected console as Server-Sent Events, filtered to the caller's area.

One asyncpg connection of its own per worker LISTENs on `onegrid_incidents` (migration
0022 notifies at the commit of every new or changed case with its id, version, status,
level and area codes). Each console has a bounded queue; a console that falls behind is
dropped (it reconnects and re-reads), so one slow client never holds the others up.
NOTIFY is not durable: a console that reconnects re-reads the open cases (the event id
names the case and its version)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from api.listener import Listener
from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code

log = logging.getLogger("onegrid.incidents")

CHANNEL = "onegrid_incidents"
QUEUE = 256


@dataclass(eq=False)
class Console:
    principal: Principal
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE))
    dropped: bool = False

    def sees(self, event: dict) -> bool:
        """The rule of row-level security on incidents: by the case's cell."""
        if self.principal.unrestricted:
            return True
        cell = event.get("cell_code")
        return bool(cell) and covers_cell_code(self.principal, cell)


class IncidentFeed(Listener):
    application_name = "onegrid incident feed"
    log = log

    def __init__(self, dsn: str, *, retry_seconds: float = 5.0) -> None:
        super().__init__(dsn, retry_seconds=retry_seconds)
        self.consoles: set[Console] = set()
        self.listening = asyncio.Event()

    def subscribe(self, principal: Principal) -> Console:
        console = Console(principal)
        self.consoles.add(console)
        return console

    def unsubscribe(self, console: Console) -> None:
        self.consoles.discard(console)

    def _notified(self, _connection, _pid, _channel, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            return
        for console in list(self.consoles):
            if console.sees(event):
                try:
                    console.queue.put_nowait(event)
                except asyncio.QueueFull:  # too slow: drop it, it reconnects and re-reads
                    console.dropped = True
                    self.consoles.discard(console)
                    console.queue = asyncio.Queue(1)
                    console.queue.put_nowait(None)

    async def attach(self, connection) -> None:
        await connection.add_listener(CHANNEL, self._notified)
        self.listening.set()

    async def follow(self, connection) -> None:
        while not connection.is_closed():
            await asyncio.sleep(30)
            await connection.fetchval("SELECT 1", timeout=30)  # heartbeat

    def detached(self) -> None:  # consoles re-read when they reconnect
        self.listening.clear()


async def events(feed: IncidentFeed, console: Console, *, is_disconnected,
                 heartbeat_seconds: float = 15.0) -> AsyncIterator[str]:
    """The text/event-stream of one console until it disconnects or is dropped."""
    try:
        yield "retry: 3000\n\n"
        while True:
            try:
                event = await asyncio.wait_for(console.queue.get(), heartbeat_seconds)
            except TimeoutError:
                if await is_disconnected():
                    return
                yield ": heartbeat\n\n"
                continue
            if event is None:  # dropped for falling behind
                yield "event: dropped\ndata: {}\n\n"
                return
            yield (f"id: {event['id']}.{event['version']}.{event.get('light') or '-'}\n"
                   "event: incident\n"
                   f"data: {json.dumps(event, ensure_ascii=False)}\n\n")
    finally:
        feed.unsubscribe(console)


@asynccontextmanager
async def running(app) -> AsyncIterator[None]:
    """app.state.incident_feed for the app's lifetime (None when requests run on a test's
    session: a separate connection would not see its rows)."""
    from api.pool import asyncpg_dsn, session_override
    from gis.db_roles import service_url

    app.state.incident_feed = None
    if session_override(app) is not None:
        yield
        return
    feed = IncidentFeed(asyncpg_dsn(service_url(app.state.settings.database)))
    feed.start()
    app.state.incident_feed = feed
    try:
        yield
    finally:
        app.state.incident_feed = None
        await feed.close()
