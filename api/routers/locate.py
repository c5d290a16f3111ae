"""/locate: point -> cell, village, town, district (coordinates in WGS84 or a declared CRS).

The hottest read of the service. Its parameters are one model (LocateParams) and its work
one coroutine (`answer`): the caller, cached per credential (api.auth.PrincipalCache); a
point in a cell of the active generation answered from memory (api.locate_index, current
to the last commit); anything else by one prepared statement on the asyncpg pool,
concurrent lookups batched into one round trip (gis.grid.locate_async.PointBatcher). No
SQLAlchemy session and no row-level-security role switch per request: cells and regions
are not area-bound data.

GET requests are answered by api.locate_lane in front of FastAPI's router, with this very
model and coroutine; the route below documents the endpoint (OpenAPI) and serves HEAD."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import auth
from api.pool import get_pool, request_session, session_override
from gis.auth.principal import Principal
from gis.grid import locate_async
from gis.grid.locate_async import PointBatcher, PointQuery

router = APIRouter(tags=["cells"])


class LocateParams(BaseModel):
    """The query of /locate."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    lon: float = Field(description="longitude, or easting for a projected crs")
    lat: float = Field(description="latitude, or northing for a projected crs")
    crs: str | None = Field(None, max_length=64,
                            description="wgs84 (default), gcj02 (Amap/Tencent), bd09 (Baidu) "
                                        "or EPSG:xxxx")
    generation: int | None = Field(None, ge=1, le=2_147_483_647, description="generation id")
    at: dt.date | None = Field(None, description="the generation in force on this date")

    def point_query(self) -> PointQuery:
        return PointQuery(lon=self.lon, lat=self.lat, crs=self.crs,
                          generation_id=self.generation, at=self.at)


def principal_cache(app: FastAPI) -> auth.PrincipalCache:
    cache = getattr(app.state, "principal_cache", None)
    if cache is None:
        cache = auth.PrincipalCache(app.state.settings.security.principal_cache_seconds)
        app.state.principal_cache = cache
    return cache


async def cached_principal(request: Request) -> Principal:
    """api.auth.authenticate, its answer reused per credential for the configured TTL."""
    key = auth.credential_key(request)
    if key is None:
        # No credentials: the fixed dev principal or 401; authenticate reads no database.
        request.state.session = None
        return request.app.state.authenticator(request)
    cache = principal_cache(request.app)
    principal = cache.get(key)
    if principal is None:
        principal = await run_in_threadpool(_authenticate, request)
        cache.put(key, principal, expires_at=auth.token_expiry(request))
    return principal


def _authenticate(request: Request) -> Principal:
    # A cache miss: the ordinary authentication, in its own transaction (it may note an
    # API key's last use).
    with request_session(request) as session:
        request.state.session = session
        return request.app.state.authenticator(request)


async def authorized(request: Request) -> Principal:
    """The caller, allowed to read cells (checked before the parameters, as everywhere)."""
    principal = await cached_principal(request)
    principal.require("cells:read")
    return principal


async def answer(request: Request, params: LocateParams, *,
                 statement: locate_async.Statement | None = None) -> dict:
    """The /locate JSON for an authorized request: look the point up.

    Domain errors (InvalidInput, NotFound) propagate; the route and the lane turn them
    into statuses by api.errors.STATUS_CODES. `statement` swaps in another SQL with the
    same binds and columns (bench/locate.py)."""
    asked = params.point_query()
    if session_override(request.app) is not None:
        return await run_in_threadpool(_locate_on_session, request, asked)
    live = getattr(request.app.state, "locate_index", None)
    if statement is None and live is not None and live.index is not None:
        found = live.index.locate(asked)  # None: not a question memory can answer
        if found is not None:
            return found
    return await batcher(request, statement).locate(asked)


def batcher(request: Request, statement: locate_async.Statement | None) -> PointBatcher:
    """The app's PointBatcher for a statement, on the asyncpg pool (one lane a connection)."""
    pool = get_pool(request)
    batchers = request.app.state.locate_batchers
    found = batchers.get(statement)
    if found is None:
        found = batchers[statement] = PointBatcher(pool, lanes=pool.get_max_size(),
                                                   statement=statement)
    return found


def _locate_on_session(request: Request, asked: PointQuery) -> dict:
    """The test hook: the same statement on the test's shared, rolled-back session."""
    with request_session(request) as session:
        return locate_async.locate_point_sync(session, asked)


# The security schemes are declared for the OpenAPI document only (the Authorize button):
# as dependencies they would run on every request of the hottest route for nothing, since
# api.auth parses the headers itself.
OPENAPI_SECURITY = {"security": [{"OAuth2PasswordBearer": []}, {"APIKeyHeader": []}]}


@router.get("/locate", summary="The cell and regions that cover a point", response_model=dict,
            openapi_extra=OPENAPI_SECURITY)
async def locate(request: Request, _: Annotated[Principal, Depends(authorized)],
                 params: Annotated[LocateParams, Query()]) -> Response:
    return Response(orjson.dumps(await answer(request, params)), media_type="application/json")
