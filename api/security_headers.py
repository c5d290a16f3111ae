"""Security headers on every response: a strict Content-Security-Policy, no sniffing, no framing.

Pages run only scripts served by onegrid itself (script-src 'self', no inline script), so a
name that slipped into a page as markup still cannot run. A response that needs another
policy sets its own Content-Security-Policy header (the folium conflation map allows its
own inline scripts by hash, see `content_security_policy`); every other response gets the
strict one. The API documentation (/docs, /redoc) loads Swagger UI and ReDoc from onegrid's
own vendored copies (maps/docs.py): those pages add only their own inline script, by hash,
inline styles, and (for ReDoc's search) a worker made from a blob; no outside host."""
from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FIXED_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(self), camera=(), microphone=(), payment=(), usb=()"),
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def basemap_origin(basemap_url: str) -> str:
    """The origin of a tile URL template, as a CSP source ({s} subdomains become *)."""
    if not basemap_url:
        return ""
    parts = urlsplit(basemap_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = re.sub(r"\{[a-z]\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def script_hashes(html: bytes | str) -> list[str]:
    """CSP sources ('sha256-…') for the inline scripts of a page onegrid generated itself."""
    body = html.encode() if isinstance(html, str) else html
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'"
            for s in _INLINE_SCRIPT.findall(body)]


def content_security_policy(*, basemap_url: str = "", hashes: tuple[str, ...] = (),
                            inline_styles: bool = False, blob_workers: bool = False) -> str:
    """The policy of a page: its own scripts only, plus the given inline-script hashes."""
    def sources(*extra: str) -> str:
        return " ".join(filter(None, ["'self'", *extra]))

    directives = {
        "default-src": "'self'", "script-src": sources(*hashes),
        "style-src": sources("'unsafe-inline'" if inline_styles else ""),
        "img-src": sources("data:", basemap_origin(basemap_url)), "font-src": sources(),
        "connect-src": "'self'",
        # ReDoc (on /redoc only) runs its search in a worker made from a blob
        "worker-src": sources("blob:" if blob_workers else ""),
        "frame-ancestors": "'none'", "base-uri": "'none'",
        "form-action": "'self'", "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# For the fast lanes that answer before any middleware (api/locate_lane.py): JSON only.
API_HEADERS = ((b"content-security-policy", content_security_policy().encode()), *FIXED_HEADERS)


class SecurityHeaders:
    """Adds the headers to every HTTP response that does not already carry them."""

    def __init__(self, app: ASGIApp, *, basemap_url: str = "",
                 docs_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.policy = content_security_policy(basemap_url=basemap_url).encode()
        self.docs_paths = frozenset(p for p in docs_paths if p)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"][len(scope.get("root_path", "")):] or "/"
        if path in self.docs_paths:
            await self._docs_page(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(message.get("headers", []),
                                                           self.policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Swagger UI / ReDoc: a small page of FastAPI's; its inline script allowed by hash."""
        start: Message = {}
        body = b""

        async def buffered(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = message
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            # ReDoc's "API docs by Redocly" badge is an image from cdn.redoc.ly: refused
            # here, the badge hides itself (its onError) and the page works on.
            policy = content_security_policy(hashes=tuple(script_hashes(body)),
                                             inline_styles=True, blob_workers=True)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": with_security_headers(headers, policy.encode())})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


def with_security_headers(headers, policy: bytes) -> list[tuple[bytes, bytes]]:
    """The response's headers plus every security header it does not set itself."""
    headers = list(headers)
    present = {name.lower() for name, _ in headers}
    extra = [(b"content-security-policy", policy), *FIXED_HEADERS]
    return headers + [(name, value) for name, value in extra if name not in present]


def install(app, *, basemap_url: str = "", docs_paths: tuple[str, ...] = ()) -> None:
    """Outermost middleware: error pages and 413s get the headers too."""
    app.add_middleware(SecurityHeaders, basemap_url=basemap_url, docs_paths=docs_paths)
