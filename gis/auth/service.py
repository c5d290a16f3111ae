"""Users, roles, area scopes, log-in and the principal behind a token or an API key.

Plain functions, session first; they never commit (the request or the CLI command does).
Passwords: gis/auth/passwords.py; tokens: gis/auth/tokens.py; API keys: gis/auth/keys.py."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gis.auth import keys, passwords, sessions, tokens
from gis.auth.models import AreaScope, Role, User, UserRole
from gis.auth.principal import Principal
from gis.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from gis.grid.models import Cell
from gis.regions.models import Region
from gis.settings import SecuritySettings

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")  # the same rule as the users table CHECK
WRONG_LOGIN = "wrong username or password"  # one message: do not reveal which was wrong


def add_user(session: Session, *, username: str, password: str | None = None,
             display_name: str | None = None, roles: tuple[str, ...] = ()) -> User:
    if not USERNAME.match(username):
        raise InvalidInput("a username is 1-64 of A-Z a-z 0-9 _ . @ -", where="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username} already exists", where="username")
    user = User(username=username, display_name=display_name, active=True,
                password_hash=passwords.hash_password(password) if password else None,
                created_at=dt.datetime.now(dt.UTC))
    session.add(user)
    session.flush()
    for role in roles:
        grant_role(session, username=username, role=role)
    return user


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username}", where="username")
    return user


def any_users(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) > 0


def set_password(session: Session, *, username: str, password: str) -> User:
    """A new password; every token issued before stops working (see tokens.py)."""
    user = get_user(session, username=username)
    user.password_hash = passwords.hash_password(password)
    session.flush()
    return user


def set_active(session: Session, *, username: str, active: bool) -> User:
    """Enable or disable a user; disabling also ends every log-in, so that enabling the
    user again does not bring old refresh tokens back to life."""
    user = get_user(session, username=username)
    user.active = active
    if not active:
        sessions.revoke_user(session, user=user)
    session.flush()
    return user


def sign_out(session: Session, *, username: str) -> int:
    """End every log-in of a user (refresh tokens); access tokens run out on their own."""
    return sessions.revoke_user(session, user=get_user(session, username=username))


def grant_role(session: Session, *, username: str, role: str) -> None:
    user = get_user(session, username=username)
    if session.get(Role, role) is None:
        known = ", ".join(session.scalars(select(Role.code).order_by(Role.code)))
        raise NotFound(f"no role {role} (known: {known})", where="role")
    if session.get(UserRole, (user.id, role)) is None:
        session.add(UserRole(user_id=user.id, role_code=role))
        session.flush()


def revoke_role(session: Session, *, username: str, role: str) -> bool:
    user = get_user(session, username=username)
    done = session.execute(delete(UserRole).where(
        UserRole.user_id == user.id, UserRole.role_code == role)).rowcount
    return bool(done)


def add_scope(session: Session, *, username: str, code: str) -> AreaScope:
    """A region subtree (12-digit code) or one cell (15-digit code) added to the user's area."""
    user = get_user(session, username=username)
    code = code.strip()
    if not (code.isascii() and code.isdigit() and len(code) in (12, 15)):
        raise InvalidInput(f"{code!r} is neither a 12-digit region code nor a 15-digit cell "
                           f"code", where="code")
    model = Region if len(code) == 12 else Cell  # a cell code is valid in any generation
    if session.scalar(select(model.id).where(model.code == code).limit(1)) is None:
        raise NotFound(f"no {'region' if len(code) == 12 else 'cell'} with code {code}",
                       where="code")
    scope = AreaScope(user_id=user.id, region_code=code if len(code) == 12 else None,
                      cell_code=code if len(code) == 15 else None)
    session.add(scope)
    session.flush()
    return scope


def remove_scope(session: Session, *, username: str, code: str) -> int:
    user = get_user(session, username=username)
    return session.execute(delete(AreaScope).where(
        AreaScope.user_id == user.id,
        (AreaScope.region_code == code) | (AreaScope.cell_code == code))).rowcount


def user_permissions(session: Session, *, user: User) -> tuple[frozenset[str], frozenset[str]]:
    """(roles, permissions) of a user, read from the roles table (seeded from reference)."""
    rows = session.execute(select(Role.code, Role.permissions).join(
        UserRole, UserRole.role_code == Role.code).where(UserRole.user_id == user.id)).all()
    roles = frozenset(r.code for r in rows)
    return roles, frozenset(p for r in rows for p in r.permissions)


def load_principal(session: Session, *, user: User, via: str = "password",
                   key_permissions: list[str] | None = None) -> Principal:
    roles, permissions = user_permissions(session, user=user)
    if key_permissions is not None:
        # A key never grants more than its user holds today.
        permissions = frozenset(p for p in key_permissions
                                if "*" in permissions or p in permissions)
    scopes = session.scalars(select(AreaScope).where(AreaScope.user_id == user.id)).all()
    regions = tuple(sorted(s.region_code.strip() for s in scopes if s.region_code))
    cells = tuple(sorted(s.cell_code.strip() for s in scopes if s.cell_code))
    return Principal(username=user.username, roles=roles, permissions=permissions,
                     region_codes=regions, cell_codes=cells, everywhere="admin" in roles,
                     via=via, extra={"user_id": user.id})


def login(session: Session, security: SecuritySettings, *, username: str,
          password: str) -> tokens.TokenPair:
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    if not passwords.verify_password(stored, password):
        raise NotAuthenticated(WRONG_LOGIN, where="username/password")
    if passwords.needs_rehash(stored):
        user.password_hash = passwords.hash_password(password)
    return sessions.start(session, security, user=user)


def refresh(session: Session, security: SecuritySettings, *,
            refresh_token: str) -> tokens.TokenPair:
    """The next token pair of a log-in; the refresh token given is spent (sessions.py)."""
    claims = tokens.decode_token(security, refresh_token, kind="refresh")
    return sessions.rotate(session, security, user=_token_user(session, claims),
                           claims=claims)


def logout(session: Session, security: SecuritySettings, *, refresh_token: str) -> int:
    """End the log-in of a refresh token (its whole family); tokens revoked."""
    claims = tokens.decode_token(security, refresh_token, kind="refresh")
    return sessions.sign_out(session, user=_token_user(session, claims), claims=claims)


def principal_for_token(session: Session, security: SecuritySettings, *,
                        token: str) -> Principal:
    claims = tokens.decode_token(security, token, kind="access")
    return load_principal(session, user=_token_user(session, claims), via="password")


def principal_for_api_key(session: Session, *, key: str) -> Principal:
    row = keys.find_active_key(session, plain=key)
    user = session.get(User, row.user_id) if row is not None else None
    if user is None or not user.active:
        raise NotAuthenticated("the API key is not valid (unknown, revoked or its user "
                               "disabled)", where="X-API-Key")
    return load_principal(session, user=user, via="api_key", key_permissions=row.scopes)


def _token_user(session: Session, claims: dict) -> User:
    user = session.scalar(select(User).where(User.username == claims["sub"]))
    if (user is None or not user.active
            or tokens.password_version(user.password_hash) != claims["pwv"]):
        raise NotAuthenticated("the token is no longer valid (user disabled or password "
                               "changed); log in again", where="Authorization")
    return user
