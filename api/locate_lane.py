"""GET /locate answered in front of FastAPI's stack: the hottest read takes the shortest path.

api.app.OnegridApp hands a request to a lane before any middleware when the lane matches
it; every other request goes through FastAPI as usual. The lane runs what the documented
route (api/routers/locate.py) runs, the same parameter model, principal cache, permission
check and statement, and answers errors with the same bodies and statuses (api.errors table,
and api.errors.validation_body for bad parameters). What it skips is per-request machinery that cost
more than the query itself: matching the path against every route, solving dependencies,
the middleware stack (exception, telemetry and body-limit wrappers on every send),
building a Response (bench/locate.py measures both paths). An exception the lane does not
map (a lost database) reaches uvicorn, which answers 500 and logs it."""
from __future__ import annotations

from urllib.parse import parse_qsl

import orjson
from fastapi.encoders import jsonable_encoder
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import Scope, Send

from api.errors import status_for, validation_body
from api.routers import locate
from api.security_headers import API_HEADERS
from gis.errors import OnegridError
from gis.grid.locate_async import Statement

_JSON = (b"content-type", b"application/json")


class LocateLane:
    """Answers GET `path` with `locate.answer` (and `statement`, if given)."""

    def __init__(self, *, path: str = "/locate", statement: Statement | None = None) -> None:
        self.path = path
        self.statement = statement

    def matches(self, scope: Scope) -> bool:
        return (scope["type"] == "http" and scope["method"] == "GET"
                and scope["path"] == scope.get("root_path", "") + self.path)

    async def respond(self, scope: Scope, send: Send) -> None:
        """The whole response; scope["app"] is the application (set by OnegridApp)."""
        headers = [_JSON, *API_HEADERS]  # the lane skips the middleware that adds them
        try:
            request = Request(scope)
            await locate.authorized(request)  # 401/403 before any complaint about the query
            params = parse_params(scope["query_string"])
            body = await locate.answer(request, params, statement=self.statement)
            status = 200
        except ValidationError as exc:
            status, body = 422, validation_body(validation_detail(exc))
        except OnegridError as exc:
            status, body = status_for(exc), exc.to_dict()
            if status == 401:
                headers.append((b"www-authenticate", b"Bearer"))
        payload = orjson.dumps(body)
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def parse_params(query_string: bytes) -> locate.LocateParams:
    """The query as Starlette reads it (latin-1 bytes, last value of a repeated key wins)."""
    query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    return locate.LocateParams.model_validate(query)


def validation_detail(exc: ValidationError) -> list:
    """FastAPI's RequestValidationError body for a query model: locations under "query"."""
    return jsonable_encoder([{**error, "loc": ("query", *error["loc"])}
                             for error in exc.errors(include_url=False)])


def install(app, **options) -> None:
    """Give an OnegridApp a lane (the newest is tried first)."""
    app.fast_lanes.insert(0, LocateLane(**options))
