"""Log-in sessions: refresh tokens kept server-side, rotated on use, revocable.

A log-in starts a family; every refresh spends its token (used_at) and issues the next
one of the same family. A spent token presented again means that two parties hold it (a
copy was stolen, or a client kept an old one): the whole family is revoked, and both must
log in again (OAuth 2.0 security BCP, refresh token rotation). POST /auth/logout revokes
the family of the token it is given. Access tokens stay valid until they expire
(settings.security.access_token_minutes); disabling a user or changing the password ends
them at once (gis/auth/tokens.py).

Plain functions, session first; they never commit, except that the caller must commit a
detected reuse before answering 401 (RefreshTokenReused says so)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gis.auth import tokens
from gis.auth.models import RefreshToken, User
from gis.errors import NotAuthenticated
from gis.settings import SecuritySettings


class RefreshTokenReused(NotAuthenticated):
    """A spent refresh token came back: its family is revoked (commit that, then 401)."""


def start(session: Session, security: SecuritySettings, *, user: User,
          family: str | None = None, now: dt.datetime | None = None) -> tokens.TokenPair:
    """A token pair for `user`, its refresh token stored (a new family unless given)."""
    now = now or dt.datetime.now(dt.UTC)
    if family is None:  # a log-in: forget this user's expired tokens
        session.execute(delete(RefreshToken).where(RefreshToken.user_id == user.id,
                                                   RefreshToken.expires_at < now))
    pair = tokens.issue_tokens(security, username=user.username,
                               password_hash=user.password_hash, family=family, now=now)
    session.add(RefreshToken(jti=pair.refresh_jti, family=pair.family, user_id=user.id,
                             issued_at=now, expires_at=pair.refresh_expires_at))
    session.flush()
    return pair


def rotate(session: Session, security: SecuritySettings, *, user: User,
           claims: dict) -> tokens.TokenPair:
    """Spend the refresh token of `claims` (already verified, of `user`), issue the next."""
    row = _stored(session, user=user, claims=claims)
    if row.used_at is not None:
        revoke_family(session, family=row.family)
        raise RefreshTokenReused(
            "this refresh token was already used: as a precaution every session of that "
            "log-in is signed out; log in again", where="refresh_token")
    row.used_at = func.now()
    return start(session, security, user=user, family=row.family)


def sign_out(session: Session, *, user: User, claims: dict) -> int:
    """Revoke the log-in (family) of a refresh token; how many tokens that ended."""
    return revoke_family(session, family=_stored(session, user=user, claims=claims).family)


def revoke_family(session: Session, *, family: str) -> int:
    return _revoke(session, RefreshToken.family == family)


def revoke_user(session: Session, *, user: User) -> int:
    """Sign a user out everywhere (every family); access tokens run out on their own."""
    return _revoke(session, RefreshToken.user_id == user.id)


def _revoke(session: Session, which) -> int:
    return session.execute(update(RefreshToken).where(
        which, RefreshToken.revoked_at.is_(None)).values(revoked_at=func.now())).rowcount


def _stored(session: Session, *, user: User, claims: dict) -> RefreshToken:
    """The row of a refresh token, locked (two refreshes with one token queue here)."""
    row = session.scalar(select(RefreshToken).where(
        RefreshToken.jti == str(claims.get("jti", ""))).with_for_update())
    if row is None or row.user_id != user.id:
        raise NotAuthenticated("the refresh token is not known here (signed out long ago, "
                               "or issued by another server); log in again",
                               where="refresh_token")
    if row.revoked_at is not None:
        raise NotAuthenticated("the refresh token was revoked (signed out); log in again",
                               where="refresh_token")
    return row
