"""Domain exception -> HTTP status, in one table (as tipg's DEFAULT_STATUS_CODES)."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from gis import errors

log = logging.getLogger("onegrid.api")

STATUS_CODES: dict[type[errors.OnegridError], int] = {
    errors.NotFound: 404,
    errors.InvalidGeometry: 422,
    errors.CoordinateError: 422,
    errors.InvalidInput: 422,
    errors.MalformedRequest: 400,
    errors.GenerationLocked: 409,
    errors.ActivationRefused: 409,
    errors.Conflict: 409,
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.DatabaseUnavailable: 503,
}


# SQLSTATE (class or code) -> what a 409 says. Domain code checks what it can first (a
# StaleEdit names the version and who changed it); these are the database's backstop.
CLASHES = {
    "23": "the change clashes with data already stored (a duplicate or a missing reference, "
          "possibly written by someone else at the same moment); reload and try again",
    "40001": "another change to the same data was committed at the same moment; try again",
    "40P01": "another change to the same data was committed at the same moment; try again",
}


def status_for(exc: errors.OnegridError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


# How many of a request's validation errors the message names (`detail` lists them all).
NAMED_IN_MESSAGE = 5


def validation_body(detail: list[dict]) -> dict:
    """A 422 for a request that failed validation, shaped as a domain error.

    `detail` is FastAPI's list (jsonable, each with `loc`, `msg`, `type`...). The body has
    what every domain error has (InvalidInput's `error`, a `message` naming each field and
    why, `where` the first field as "query.limit") and keeps `detail` for older clients.
    The fast lanes (api/locate_lane.py, api/tile_lane.py) answer with this same body."""
    named = [f"{location(error.get('loc', ()))}: {error.get('msg', 'invalid')}"
             for error in detail[:NAMED_IN_MESSAGE]]
    if len(detail) > NAMED_IN_MESSAGE:
        named.append(f"and {len(detail) - NAMED_IN_MESSAGE} more (see detail)")
    where = location(detail[0].get("loc", ())) if detail else None
    body = errors.InvalidInput("; ".join(named) or "the request is invalid",
                               where=where or None).to_dict()
    body["detail"] = detail
    return body


def location(loc) -> str:
    """("query", "limit") -> query.limit; ("body", "members", 0, "name") -> body.members[0].name."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# What a 422 for a request that failed validation looks like (validation_body): the
# OpenAPI schema documents it under FastAPI's own component name, so every operation's
# 422 response points at the body the service really sends.
VALIDATION_SCHEMA = {
    "title": "HTTPValidationError",
    "description": "A request that failed validation, in the shape of every domain error "
                   "(error, message naming each field and why, where) plus FastAPI's "
                   "`detail` list for older clients.",
    "type": "object",
    "required": ["error", "message", "detail"],
    "properties": {
        "error": {"type": "string", "enum": ["InvalidInput"], "title": "Error"},
        "message": {"type": "string", "title": "Message",
                    "examples": ["query.limit: Input should be less than or equal to 1000"]},
        "where": {"type": "string", "title": "Where", "examples": ["query.limit"]},
        "detail": {"type": "array", "title": "Detail",
                   "items": {"$ref": "#/components/schemas/ValidationError"}},
    },
}


def document(app: FastAPI) -> None:
    """The OpenAPI schema's 422 bodies are what validation_body sends."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = VALIDATION_SCHEMA
        return app.openapi_schema

    app.openapi = openapi


def install(app: FastAPI) -> None:
    document(app)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(jsonable_encoder(exc.errors())), status_code=422)

    @app.exception_handler(errors.OnegridError)
    async def domain_error(request: Request, exc: errors.OnegridError) -> JSONResponse:
        status = status_for(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=status, headers=headers)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # Constraint violations and lost races are a clash with another change: 409 with
        # words a user can act on; the database's own text (table and constraint names,
        # values) goes to the log only.
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        clash = CLASHES.get(sqlstate[:2]) or CLASHES.get(sqlstate)
        if clash is not None:
            log.warning("refused by the database (%s): %s", sqlstate,
                        str(exc.orig).splitlines()[0], extra={"path": request.url.path})
            return JSONResponse({"error": "Conflict", "message": clash,
                                 "details": {"sqlstate": sqlstate}}, status_code=409)
        if unavailable(exc):
            # A restart or a lost connection: the pool reconnects on the next request.
            log.warning("database unavailable", extra={"path": request.url.path,
                                                       "sqlstate": sqlstate})
            return JSONResponse({"error": "DatabaseUnavailable",
                                 "message": "the database is unavailable; try again shortly"},
                                status_code=503, headers={"Retry-After": "5"})
        log.exception("database error", extra={"path": request.url.path})
        return JSONResponse({"error": "DatabaseError", "message": "database error"},
                            status_code=500)

    @app.exception_handler(ProgrammingError)
    async def refused_by_row_security(request: Request, exc: ProgrammingError) -> JSONResponse:
        # A WITH CHECK refusal: the write would put a row outside the caller's area.
        # Services check the area first and say more; this is the database's backstop.
        if getattr(exc.orig, "sqlstate", None) == "42501" and "row-level security" in str(
                exc.orig):
            log.warning("row-level security refused a write", extra={"path": request.url.path})
            return JSONResponse({"error": "PermissionDenied", "message": "this change would "
                                 "put a record outside your area"}, status_code=403)
        return await database_error(request, exc)


def unavailable(exc: DBAPIError) -> bool:
    """Connection failures, and the server shutting down or starting (SQLSTATE 08, 57P)."""
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return (isinstance(exc, OperationalError) and not sqlstate) or exc.connection_invalidated \
        or sqlstate.startswith(("08", "57P"))
