"""Short-lived JWTs (HS256, keyed with settings.security.secret_key): access and refresh.

Tokens carry the username and a password version (a digest of the stored hash): changing
the password or disabling the user invalidates every token issued before. A refresh token
also names its id (jti) and its family (the log-in it was rotated from): the server keeps
a row for it (gis/auth/sessions.py), so it works once and can be revoked. The principal
(roles, area) is loaded from the database on each request, so a revoked role takes effect
immediately, not when the token expires."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import jwt

from gis.errors import NotAuthenticated
from gis.settings import SecuritySettings

ALGORITHM = "HS256"
ISSUER = "onegrid"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires
    refresh_jti: str = ""
    family: str = ""  # the log-in this refresh token was rotated from
    refresh_expires_at: dt.datetime | None = None
    token_type: str = "bearer"


def password_version(password_hash: str | None) -> str:
    """A short digest of the stored hash: changes whenever the password changes."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def issue_tokens(security: SecuritySettings, *, username: str, password_hash: str | None,
                 family: str | None = None, now: dt.datetime | None = None) -> TokenPair:
    """An access and a refresh token; `family` continues a log-in (a new one if None).
    Only the JWTs: gis/auth/sessions.py stores the refresh token, without which it is
    refused."""
    now = now or dt.datetime.now(dt.UTC)
    access_seconds = security.access_token_minutes * 60
    refresh_seconds = security.refresh_token_minutes * 60
    version = password_version(password_hash)
    jti, family = secrets.token_urlsafe(16), family or secrets.token_urlsafe(16)
    access = _encode(security, username=username, version=version, kind="access", now=now,
                     seconds=access_seconds)
    refresh = _encode(security, username=username, version=version, kind="refresh", now=now,
                      seconds=refresh_seconds, extra={"jti": jti, "fam": family})
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=access_seconds,
                     refresh_jti=jti, family=family,
                     refresh_expires_at=now + dt.timedelta(seconds=refresh_seconds))


def decode_token(security: SecuritySettings, token: str, *, kind: str) -> dict:
    """The claims of a valid token of this kind; NotAuthenticated for anything else."""
    try:
        claims = jwt.decode(token, _key(security), algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "typ", "pwv"]})
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated(f"the {kind} token has expired; log in again",
                               where="Authorization") from exc
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated(f"the {kind} token is not valid", where="Authorization") from exc
    if claims.get("typ") != kind:
        raise NotAuthenticated(f"a {claims.get('typ')} token was given where an {kind} "
                               f"token is needed", where="Authorization")
    return claims


def _encode(security: SecuritySettings, *, username: str, version: str, kind: str,
            now: dt.datetime, seconds: int, extra: dict | None = None) -> str:
    claims = {"sub": username, "typ": kind, "pwv": version, "iss": ISSUER,
              "iat": int(now.timestamp()), "exp": int(now.timestamp()) + seconds,
              "jti": secrets.token_urlsafe(8), **(extra or {})}
    return jwt.encode(claims, _key(security), algorithm=ALGORITHM)


def _key(security: SecuritySettings) -> str:
    if len(security.secret_key) < 32:
        # get_settings() always fills a random 43-character key; a short one was set by hand.
        raise NotAuthenticated("the server's secret key is not configured (needs 32+ "
                               "characters in ONEGRID_SECURITY__SECRET_KEY)")
    return security.secret_key
