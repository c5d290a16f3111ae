"""API keys for integrations: random secrets stored only as SHA-256, scoped, revocable.

A key looks like `og_<8 hex>_<43 url-safe chars>`. The short id after `og_` is stored in
clear (key_prefix) so that people can tell keys apart in listings; the whole key is shown
once, at creation. SHA-256 (not argon2) is enough because the secret has 256 random bits:
nobody can guess it, so slow hashing would only slow every integration request."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.models import ApiKey, User
from gis.errors import InvalidInput, NotFound

PREFIX = "og_"
# Touching last_used_at on every call would turn each read into a write.
LAST_USED_GRANULARITY = dt.timedelta(minutes=5)


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_api_key(session: Session, *, user: User, name: str,
                   permissions: list[str], allowed: frozenset[str]) -> tuple[ApiKey, str]:
    """A new key limited to `permissions` (each must be in `allowed`); returns (row, key)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a key needs a name of 1-100 characters", where="name")
    if not permissions:
        raise InvalidInput("a key needs at least one permission (e.g. incidents:write)",
                           where="permissions")
    outside = sorted(p for p in permissions if p not in allowed and "*" not in allowed)
    if outside:
        raise InvalidInput(f"{user.username} does not hold {', '.join(outside)}; a key can "
                           f"only narrow its user's permissions", where="permissions")
    short_id = secrets.token_hex(4)
    plain = f"{PREFIX}{short_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name, user_id=user.id, key_prefix=short_id, key_hash=hash_key(plain),
                 scopes=sorted(set(permissions)), created_at=dt.datetime.now(dt.UTC))
    session.add(row)
    session.flush()
    return row, plain


def revoke_api_key(session: Session, *, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id}", where="key_id")
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
        session.flush()
    return row


def list_api_keys(session: Session, *, user: User | None = None) -> list[ApiKey]:
    stmt = select(ApiKey).order_by(ApiKey.id)
    if user is not None:
        stmt = stmt.where(ApiKey.user_id == user.id)
    return list(session.scalars(stmt))


def find_active_key(session: Session, *, plain: str) -> ApiKey | None:
    """The unrevoked key with this secret, its last use noted; None for anything else."""
    if not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(plain))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = dt.datetime.now(dt.UTC)
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_GRANULARITY:
        row.last_used_at = now
    return row
