"""Authentication of a request: bearer JWT, X-API-Key, or (dev mode only) nobody.

`authenticate(request)` is installed as `app.state.authenticator`; api/deps.get_principal
calls it with the request's session in `request.state.session`. Credentials that are
present are always checked (a bad token is 401 even in dev mode); only a request with no
credentials at all becomes the development administrator, and only when
settings.security.dev_mode is on."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote

import jwt
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from gis.auth import service
from gis.auth.principal import Principal, development_principal
from gis.errors import MalformedRequest, NotAuthenticated

# Declared for the OpenAPI document (the Authorize button of /docs); parsing is below.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


def authenticate(request: Request) -> Principal:
    settings = request.app.state.settings
    session = request.state.session
    authorization = header(request, b"authorization")
    api_key = header(request, b"x-api-key")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Authorization must be 'Bearer <token>'",
                                   where="Authorization")
        return service.principal_for_token(session, settings.security, token=token.strip())
    if api_key:
        return service.principal_for_api_key(session, key=api_key.strip())
    if settings.security.dev_mode and not _proxied(request):
        return development_principal(settings.security.dev_user)
    raise NotAuthenticated("log in first: POST /auth/token, then send "
                           "'Authorization: Bearer <token>' (or an X-API-Key header)")


def _proxied(request: Request) -> bool:
    """A request relayed by a proxy may come from anywhere: dev mode never covers it,
    so a loopback dev server put behind a public reverse proxy does not hand out admin."""
    return any(name in _PROXY_HEADERS for name, _ in request.scope["headers"])


_PROXY_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-real-ip"})


@dataclass(frozen=True)
class AccessContext:
    """What the access log needs from a request besides the principal."""

    reason: str | None
    client: str | None


def access_context(request: Request) -> AccessContext:
    """The stated reason (header X-Access-Reason, percent-encoded UTF-8, or ?reason=)."""
    header = request.headers.get("x-access-reason")
    reason = decode_reason(header) if header else request.query_params.get("reason")
    host = request.client.host if request.client else None
    agent = request.headers.get("user-agent", "")[:100]
    return AccessContext(reason=reason or None, client=f"{host} {agent}".strip() or None)


AccessContextDep = Annotated[AccessContext, Depends(access_context)]
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_reason(header: str) -> str:
    """X-Access-Reason as text: percent-encoded UTF-8 (raw UTF-8 bytes are accepted too).

    A reason that does not decode is refused, not logged as mojibake: the access log is
    evidence, and "走访" must not become "è\x8d°è®¿" or "\ufffd\ufffd"."""
    try:
        raw = header.encode("latin-1").decode("utf-8")  # HTTP headers arrive as latin-1
        if _BAD_PERCENT.search(raw):
            raise ValueError("a % not followed by two hex digits")
        return unquote(raw, errors="strict")
    except (UnicodeError, ValueError) as exc:
        raise MalformedRequest("X-Access-Reason cannot be decoded: send the reason as "
                               f"percent-encoded UTF-8 ({exc})",
                               where="X-Access-Reason") from None


class PrincipalCache:
    """Principals authenticated recently, per credential (its SHA-256), for a short TTL.

    For hot read paths (/locate) that cannot afford reloading roles and areas from the
    database on every request. The price, documented in settings.security.principal_cache
    _seconds: a revoked key, a disabled user or a changed role takes effect within that
    TTL rather than at once. Failures are never cached (a new key works immediately), a
    token is never served past its own expiry, and the map is bounded."""

    def __init__(self, seconds: float, *, max_entries: int = 10_000, clock=time.monotonic):
        self.seconds = seconds
        self.max_entries = max_entries
        self.clock = clock  # tests move it instead of sleeping
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        found = self._entries.get(key)
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put(self, key: str, principal: Principal, *, expires_at: float | None = None) -> None:
        """Keep for the TTL, or until `expires_at` (wall-clock epoch seconds) if sooner."""
        if self.seconds <= 0:
            return
        ttl = self.seconds
        if expires_at is not None:
            ttl = min(ttl, expires_at - time.time())
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # crude but bounded; refilling costs one query per caller
        self._entries[key] = (self.clock() + ttl, principal)


def header(request: Request, name: bytes) -> str | None:
    """The first header of that (lower-case) name, read off the raw ASGI list: the lookups
    here run on every /locate request, and Starlette's Headers raise a KeyError per miss."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def credential_key(request: Request) -> str | None:
    """The cache key of the request's credential (the one authenticate uses), or None."""
    authorization = header(request, b"authorization")
    if authorization:
        return "bearer:" + hashlib.sha256(authorization.encode()).hexdigest()
    api_key = header(request, b"x-api-key")
    if api_key:
        return "key:" + hashlib.sha256(api_key.strip().encode()).hexdigest()
    return None


def token_expiry(request: Request) -> float | None:
    """The `exp` of the bearer token (already verified by authenticate), else None."""
    authorization = header(request, b"authorization")
    if not authorization:
        return None
    claims = jwt.decode(authorization.partition(" ")[2].strip(),
                        options={"verify_signature": False})
    return float(claims["exp"])
