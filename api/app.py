"""The app factory: `create_app(settings)` builds a service bound to one database."""
from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from api import auth, errors, limits, locate_index, locate_lane, pool, routers, security_headers
from api.incident_feed import running as incident_feed_running
from api.incident_sweeper import running as incident_sweeper_running
from api.tile_lane import install as install_tile_lane
from gis.db import make_engine, make_session_factory
from gis.db_roles import check_service_login, service_url
from gis.settings import Settings
from maps import docs, pages
from maps.assets import STATIC_DIR

log = logging.getLogger("onegrid.api")


class OnegridApp(FastAPI):
    """FastAPI, plus fast lanes: handlers that answer a hot path before any middleware."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.fast_lanes: list = []  # LocateLane, TileLane: matches(scope), respond()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for lane in self.fast_lanes:
            if lane.matches(scope):
                scope["app"] = self
                await lane.respond(scope, send)
                return
        await super().__call__(scope, receive, send)


def refuse_privileged_login(engine) -> None:
    """Start only as a login that row-level security applies to (gis/db_roles.py). A
    database that is down now is no reason not to start: requests get 503 until it is up."""
    try:
        with engine.connect() as conn:
            role = check_service_login(conn)
    except OperationalError as exc:
        log.warning("database unreachable at start-up; serving 503 until it is back",
                    extra={"error": type(exc.orig).__name__})
        return
    log.info("database login checked", extra={"role": role})


def create_app(settings: Settings) -> OnegridApp:
    # The service logs in as the app role, never as the owner (gis/db_roles.py).
    engine = make_engine(service_url(settings.database),
                         pool_size=settings.database.pool_size, echo=settings.database.echo)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        refuse_privileged_login(engine)
        # the /locate fast path's connections and in-memory cells
        async with pool.asyncpg_pool(app), locate_index.live_index(app), \
                incident_sweeper_running(app), incident_feed_running(app):  # dispatch
            # Everything built at start-up (routes, models, SQL, the pool) lives as long as
            # the app: out of the collector's sight, full collections stay short, which
            # trims the latency tail of every request (p99 of /locate 7 -> 5.5 ms here).
            gc.freeze()
            yield
        engine.dispose()

    app = OnegridApp(title="onegrid", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # maps/docs.py serves them, offline
                  description="One grid for community governance: cells, people, incidents.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    # one slot per connection the engine may open (pool + overflow: gis/db.py make_engine)
    app.state.session_slots = asyncio.Semaphore(2 * settings.database.pool_size)
    app.state.authenticator = auth.authenticate  # bearer JWT / X-API-Key / dev mode
    errors.install(app)
    limits.install(app, max_bytes=settings.server.max_request_bytes)
    for router in routers.discover():
        app.include_router(router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    locate_lane.install(app)  # GET /locate
    install_tile_lane(app)  # GET /tiles/...
    security_headers.install(app, basemap_url=settings.server.basemap_url,  # outermost
                             docs_paths=docs.DOCS_PATHS)
    return app
