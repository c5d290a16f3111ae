"""Domain exception -> HTTP status, in one table (as tipg's DEFAULT_STATUS_CODES)."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, ProgrammingError

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


def status_for(exc: errors.OnegridError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.OnegridError)
    async def domain_error(request: Request, exc: errors.OnegridError) -> JSONResponse:
        status = status_for(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=status, headers=headers)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # Constraint violations are the caller's fault; anything else is ours.
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        if sqlstate.startswith("23"):
            detail = str(exc.orig).splitlines()[0]
            return JSONResponse({"error": "Conflict", "message": detail}, status_code=409)
        log.exception("database error", extra={"path": request.url.path})
        return JSONResponse({"error": "DatabaseError", "message": "database error"},
                            status_code=503 if "connection" in str(exc).lower() else 500)

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
