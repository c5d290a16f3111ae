"""Hostile-input limits: the request size cap, and values the database cannot hold.

A declared Content-Length over the cap is refused before anything is read. A body
without one (chunked uploads) is counted as it streams in; the moment it passes the cap
the request fails with 413, so nobody can make the server buffer an unbounded body.

Values that pass validation but not the database (an id of 10**25 for a bigint column,
a NUL byte in text, an impossible date) are the caller's mistake: 422, not a 500. A NUL
in a query parameter is refused before routing, naming the parameter."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# PostgreSQL data exceptions caused by the value sent: numeric out of range, bad text
# representation, string too long, NUL/untranslatable character, bad date/time.
INPUT_SQLSTATES = frozenset({"22003", "22P02", "22001", "22021", "22P05", "22007", "22008"})


class BodyTooLarge(HTTPException):
    """Raised from receive(): FastAPI re-raises HTTPExceptions met while reading a body."""

    def __init__(self, max_bytes: int):
        super().__init__(413, f"request body is over the limit of {max_bytes} bytes")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _reply(send, 400, "BadRequest", "Content-Length is not a number")
                return
            if int(length) > self.max_bytes:
                await _reply(send, 413, "PayloadTooLarge",
                             f"request body of {int(length)} bytes is over the limit of "
                             f"{self.max_bytes} bytes")
                return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:
            # Raised outside FastAPI's body parsing (e.g. a handler streaming the body).
            if started:
                raise
            await _reply(send, 413, "PayloadTooLarge", exc.detail)


async def _reply(send: Send, status: int, error: str, message: str,
                 where: str | None = None) -> None:
    body = json.dumps({"error": error, "message": message}
                      | ({"where": where} if where else {})).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class NulInQuery:
    """A NUL byte (%00) in a query parameter is refused with 422 naming the parameter:
    PostgreSQL text cannot hold it, and the driver's refusal would otherwise be a 500."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%00" in scope.get("query_string", b""):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            names = [name for name, value in pairs if "\x00" in name or "\x00" in value]
            if names:
                where = names[0].replace("\x00", "")
                await _reply(send, 422, "InvalidInput",
                             f"query parameter {where!r} contains a NUL (0x00) character",
                             where=where)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, *, max_bytes: int) -> None:
    app.add_middleware(BodySizeLimit, max_bytes=max_bytes)
    app.add_middleware(NulInQuery)

    @app.exception_handler(DataError)
    async def value_out_of_range(request: Request, exc: DataError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        if _is_nul_refusal(exc):
            return JSONResponse({"error": "InvalidInput", "message": "a text value contains a "
                                 "NUL (0x00) character, which text cannot hold"},
                                status_code=422)
        if sqlstate not in INPUT_SQLSTATES:
            # A data error of our own making: the generic handler (api/errors.py) logs it.
            return await app.exception_handlers[DBAPIError](request, exc)
        detail = str(exc.orig).splitlines()[0]
        return JSONResponse({"error": "InvalidInput",
                             "message": f"a value is out of range for the database: {detail}"},
                            status_code=422)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse({"error": "PayloadTooLarge", "message": exc.detail},
                            status_code=413)


def _is_nul_refusal(exc: DataError) -> bool:
    """psycopg refuses a str with NUL before sending it, with no SQLSTATE: only its text
    tells this from a data error of our own making."""
    return "cannot contain NUL" in str(exc.orig)
