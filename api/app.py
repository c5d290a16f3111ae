"""The app factory: `create_app(settings)` builds a service bound to one database."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import auth, errors, limits, pool, routers
from gis.db import make_engine, make_session_factory
from gis.settings import Settings
from maps import pages
from maps.assets import STATIC_DIR

log = logging.getLogger("onegrid.api")


def create_app(settings: Settings) -> FastAPI:
    if not settings.database.url:
        raise ValueError("create_app needs settings.database.url (start the cluster first)")
    engine = make_engine(settings.database.url, pool_size=settings.database.pool_size,
                         echo=settings.database.echo)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with pool.asyncpg_pool(app):  # the /locate fast path's connections
            yield
        engine.dispose()

    app = FastAPI(title="onegrid", version="0.1.0", lifespan=lifespan,
                  description="One grid for community governance: cells, people, incidents.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.authenticator = auth.authenticate  # bearer JWT / X-API-Key / dev mode
    errors.install(app)
    limits.install(app, max_bytes=settings.server.max_request_bytes)
    for router in routers.discover():
        app.include_router(router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
