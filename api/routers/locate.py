"""/locate: point -> cell, village, town, district (coordinates in WGS84 or a declared CRS).

The hottest read of the service, so it takes a lean path: an async endpoint with one async
dependency (the caller, cached per credential, see api.auth.PrincipalCache), one prepared
statement on the asyncpg pool (gis.grid.locate_async), orjson for the body. No SQLAlchemy
session and no row-level-security role switch per request: cells and regions are not
area-bound data. Same parameters, errors, permission (cells:read) and JSON as before."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api import auth
from api.pool import get_pool, request_session, session_override
from gis.auth.principal import Principal
from gis.grid import locate_async
from gis.grid.locate_async import PointQuery

router = APIRouter(tags=["cells"])


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


# The security schemes are declared for the OpenAPI document only (the Authorize button):
# as dependencies they would run on every request of the hottest route for nothing, since
# api.auth parses the headers itself.
OPENAPI_SECURITY = {"security": [{"OAuth2PasswordBearer": []}, {"APIKeyHeader": []}]}


@router.get("/locate", summary="The cell and regions that cover a point", response_model=dict,
            openapi_extra=OPENAPI_SECURITY)
async def locate(
        request: Request, principal: Annotated[Principal, Depends(cached_principal)],
        lon: Annotated[float, Query(description="longitude, or easting for a projected crs")],
        lat: Annotated[float, Query(description="latitude, or northing for a projected crs")],
        crs: Annotated[str | None, Query(
            max_length=64, description="wgs84 (default), gcj02 (Amap/Tencent), "
                                       "bd09 (Baidu) or EPSG:xxxx")] = None,
        generation: Annotated[int | None, Query(
            ge=1, le=2_147_483_647, description="generation id")] = None,
        at: Annotated[dt.date | None, Query(
            description="the generation in force on this date")] = None) -> Response:
    principal.require("cells:read")
    asked = PointQuery(lon=lon, lat=lat, crs=crs, generation_id=generation, at=at)
    if session_override(request.app) is not None:
        answer = await run_in_threadpool(_locate_on_session, request, asked)
    else:
        answer = await locate_async.locate_point(get_pool(request), asked)
    return Response(orjson.dumps(answer), media_type="application/json")


def _locate_on_session(request: Request, asked: PointQuery) -> dict:
    """The test hook: the same statement on the test's shared, rolled-back session."""
    with request_session(request) as session:
        return locate_async.locate_point_sync(session, asked)
