"""The async read path's database: an asyncpg pool opened in the app lifespan.

Tests share one rolled-back SQLAlchemy session with the app (they override
deps.get_session); rows their fixtures insert are invisible to any other connection. So
while that override is in place no pool is opened and `request_session` hands the fast
path the overridden session instead: the same SQL statement then runs on the test's
connection (gis.grid.locate_async.locate_point_sync)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI, Request
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api import deps
from gis.db_roles import service_url
from gis.errors import DatabaseUnavailable


def session_override(app: FastAPI) -> Callable | None:
    """The test hook: the get_session replacement installed by the test fixtures, if any."""
    return app.dependency_overrides.get(deps.get_session)


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL (postgresql+psycopg://...) as a libpq DSN asyncpg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def asyncpg_pool(app: FastAPI) -> AsyncIterator[None]:
    """Open app.state.asyncpg_pool for the app's lifetime (same URL as the engine)."""
    app.state.asyncpg_pool = None
    if session_override(app) is not None:
        yield  # requests run on the test's session: a pool would not see its rows
        return
    import asyncpg

    settings = app.state.settings
    pool = await asyncpg.create_pool(asyncpg_dsn(service_url(settings.database)), min_size=1,
                                     max_size=settings.database.async_pool_size,
                                     reset=_keep_session,
                                     server_settings=POOL_SERVER_SETTINGS)
    app.state.asyncpg_pool = pool
    app.state.locate_batchers = {}  # api.routers.locate: one PointBatcher per statement
    try:
        yield
    finally:
        app.state.asyncpg_pool = None
        app.state.locate_batchers = {}
        await pool.close()


# plan_cache_mode: the batch statement takes its points as arrays, and with the default
# ("auto") PostgreSQL judges the generic plan by a guessed array length and keeps planning
# every execution afresh (1 ms of planning for 0.1 ms of work). The generic plan is the
# right one for any batch size: index lookups per point (EXPLAIN in bench/locate.py).
POOL_SERVER_SETTINGS = {"plan_cache_mode": "force_generic_plan"}


async def _keep_session(connection) -> None:
    """No reset on release. asyncpg's default runs "SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL" after every use: a second round trip per /locate, about a
    third of the server's work (py-spy, bench/locate.py). The pool's only users run one
    read-only statement and change no session state (no SET, LISTEN, cursor or lock)."""


def get_pool(request: Request):
    pool = getattr(request.app.state, "asyncpg_pool", None)
    if pool is None:
        raise DatabaseUnavailable("the database pool is not open (the app's lifespan did "
                                  "not run: serve it with uvicorn or `onegrid serve`)")
    return pool


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """A session with get_session's transaction rules (or the test's override)."""
    override = session_override(request.app)
    provider = override if override is not None else (lambda: deps.get_session(request))
    with contextmanager(provider)() as session:
        yield session
