"""Request size cap: refuse bodies over the configured size before reading them."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def install(app: FastAPI, *, max_bytes: int) -> None:
    @app.middleware("http")
    async def cap_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_bytes:
            return JSONResponse({"error": "PayloadTooLarge",
                                 "message": f"request body of {length} bytes is over the "
                                            f"limit of {max_bytes} bytes"}, status_code=413)
        return await call_next(request)
