"""GET /tiles/{layer}/{z}/{x}/{y}.pbf answered in front of FastAPI's stack, in one round trip.

Like api.locate_lane: api.app.OnegridApp hands a matching request to this lane before any
middleware. It runs what the documented route (api/routers/tiles.py) runs: the caller
(api.routers.locate.cached_principal: the same authentication, cached per credential for
settings.security.principal_cache_seconds and never past a token's expiry), the permission
check (cells:read), the same checks of layer, z/x/y and generation, and the same SQL
statement, with the same bodies and statuses for errors. What it skips is the per-request
cost that exceeded the tile itself: the router, dependency solving, the middleware stack,
and on the database side a SQLAlchemy session's round trips (pool ping, the area, the
generation, commit). The statement applies the caller's area itself, as the app role with
row-level security on (gis/sql/tiles_cells.sql), on the asyncpg pool.

Paths it does not match exactly (another layer, a negative or huge number, HEAD) go to
the routes."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qsl

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Scope, Send

from api.errors import status_for, validation_body
from api.locate_lane import validation_detail
from api.pool import get_pool, request_session, session_override
from api.routers.locate import cached_principal
from api.security_headers import API_HEADERS
from gis.auth import rls
from gis.auth.scope import rls_settings
from gis.errors import OnegridError
from gis.grid.tiles import LAYERS, MEDIA_TYPE, Tile, TileQuery, scoped_tile, scoped_tile_sync

# Only the grid's own layers: /tiles/incidents/... (api/routers/incidents.py) and any
# unknown layer go to the routes.
_PATH = re.compile(r"/tiles/(?P<layer>" + "|".join(map(re.escape, sorted(LAYERS)))
                   + r")/(?P<z>[0-9]{1,2})/(?P<x>[0-9]{1,9})/(?P<y>[0-9]{1,9})\.pbf")
_JSON = (b"content-type", b"application/json")
_MVT = (b"content-type", MEDIA_TYPE.encode())


class TileParams(BaseModel):
    """The query of /tiles (the route's Query parameters)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    generation: int | None = Field(None, ge=1, le=2_147_483_647)
    at: dt.date | None = None


class TileLane:
    """Answers GET /tiles/... with `answer`."""

    def matches(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        root = scope.get("root_path", "")
        path = scope["path"]
        return path.startswith(root + "/tiles/") and _PATH.fullmatch(path, len(root)) \
            is not None

    async def respond(self, scope: Scope, send: Send) -> None:
        """The whole response; scope["app"] is the application (set by OnegridApp)."""
        headers = list(API_HEADERS)  # the lane skips the middleware that adds them
        try:
            request = Request(scope)
            tile = await answer(request, asked_tile(scope))
            status, body = (200, tile.data) if tile.data else (204, b"")
            if tile.data:
                headers += [_MVT, (b"x-generation", str(tile.generation_id).encode())]
        except ValidationError as exc:
            status, body = 422, orjson.dumps(validation_body(validation_detail(exc)))
            headers.append(_JSON)
        except OnegridError as exc:
            status, body = status_for(exc), orjson.dumps(exc.to_dict())
            headers.append(_JSON)
            if status == 401:
                headers.append((b"www-authenticate", b"Bearer"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def asked_tile(scope: Scope) -> tuple[re.Match, dict[str, str]]:
    """Path and query as the route reads them (last value of a repeated key wins)."""
    path = _PATH.fullmatch(scope["path"], len(scope.get("root_path", "")))
    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    return path, query


async def answer(request: Request, asked: tuple[re.Match, dict[str, str]]) -> Tile:
    """The caller first (401/403 before any complaint about the query), then the tile."""
    principal = await cached_principal(request)
    principal.require("cells:read")
    path, query = asked
    params = TileParams.model_validate(query)
    tile = TileQuery(layer=path["layer"], z=int(path["z"]), x=int(path["x"]),
                     y=int(path["y"]), generation_id=params.generation, at=params.at)
    if session_override(request.app) is not None:
        return await run_in_threadpool(_tile_on_session, request, principal, tile)
    return await scoped_tile(get_pool(request), tile, area=rls_settings(principal))


def _tile_on_session(request: Request, principal, asked: TileQuery) -> Tile:
    """The test hook: the same statement on the test's shared, rolled-back session, in
    the caller's area (as get_principal scopes a request's session)."""
    with request_session(request) as session:
        if rls.is_scoped(session):
            rls.scope_session(session, principal)
        return scoped_tile_sync(session, asked)


def install(app) -> None:
    """Give an OnegridApp the tile lane."""
    app.fast_lanes.insert(0, TileLane())
