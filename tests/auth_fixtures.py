"""Users, tokens and clients for access-control tests (dev mode off).

`make_user("ann", "grid_worker", cells=[...])` creates a user in the test's rolled-back
session; `auth_client("ann")` is a TestClient sending ann's bearer token; `key_client(key)`
sends an X-API-Key; `anon_client` sends nothing. Asking for any of these turns dev mode off
for the test's app, so anonymous requests get 401 as in production. `rls_db` makes the
requests of the test run under row-level security as the app role."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gis.auth import rls, service, tokens

PASSWORD = "correct horse battery staple"


@pytest.fixture()
def make_user(db):
    def make(username: str, role: str | tuple[str, ...] | None = "grid_worker", *,
             regions=(), cells=(), password: str | None = None):
        roles = (role,) if isinstance(role, str) else tuple(role or ())
        user = service.add_user(db, username=username, password=password, roles=roles)
        for code in (*regions, *cells):
            service.add_scope(db, username=username, code=code)
        db.flush()
        return user
    return make


@pytest.fixture()
def strict_settings(settings):
    """The test's settings with dev mode off (the app reads them on each request)."""
    settings.security.dev_mode = False
    return settings


@pytest.fixture()
def auth_client(app, db, strict_settings):
    clients = []

    def for_user(username: str) -> TestClient:
        user = service.get_user(db, username=username)
        # Minted directly: argon2 log-ins (~50 ms each) are tested in test_auth_service.
        pair = tokens.issue_tokens(strict_settings.security, username=user.username,
                                   password_hash=user.password_hash)
        c = TestClient(app, headers={"Authorization": f"Bearer {pair.access_token}"})
        clients.append(c)
        return c
    yield for_user
    for c in clients:
        c.close()


@pytest.fixture()
def key_client(app, strict_settings):
    clients = []

    def for_key(key: str) -> TestClient:
        c = TestClient(app, headers={"X-API-Key": key})
        clients.append(c)
        return c
    yield for_key
    for c in clients:
        c.close()


@pytest.fixture()
def anon_client(app, strict_settings):
    with TestClient(app) as c:
        yield c


@pytest.fixture()
def rls_db(db, logins):
    """Requests (and the test's own later queries) on `db` run as the app role, scoped,
    as the service's own login does.

    Build fixtures BEFORE asking for this: once it is on, the session sees only what the
    last request's principal may see (until the test's transaction is rolled back)."""
    rls.scope_session(db, None, as_role=logins.names.app)
    return db
