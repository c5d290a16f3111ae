"""Test session: a throwaway PostGIS cluster, migrated once; each test rolls back."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gis import migrate
from gis.cluster import EmbeddedCluster
from gis.cluster_sizing import MEMORY_ENV
from gis.db import make_engine
from gis.db_roles import (
    RoleNames,
    apply_plan,
    database_name,
    new_password,
    role_names,
    setup_plan,
    with_login,
)
from gis.settings import get_settings

# Property tests are derandomized so that CI is repeatable; set
# ONEGRID_HYPOTHESIS_PROFILE=explore to search with fresh random examples (and more of them).
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("ONEGRID_HYPOTHESIS_PROFILE", "repeatable"))

# Every embedded cluster the tests start (this session's, and those the CLI tests start in
# subprocesses) is sized as for a 1 GB machine (gis/cluster_sizing.py: 256 MB of shared
# buffers), not to the machine the suite runs on.
TEST_CLUSTER_MEMORY = "1GB"
os.environ.setdefault(MEMORY_ENV, TEST_CLUSTER_MEMORY)

pytest_plugins = ["tests.factories", "tests.people_fixtures", "tests.grid_fixtures",
                  "tests.auth_fixtures", "tests.committed_fixtures",
                  "tests.incident_fixtures"]


@dataclass(frozen=True)
class Logins:
    """The three logins of the test database (gis/db_roles.py)."""

    superuser: str  # fixtures: builds any data, steps down to the app role in rls_db
    owner: str      # migrations and CLI commands, as in production
    app: str        # the service's login: row-level security always applies
    names: RoleNames
    app_password: str


@pytest.fixture(scope="session")
def logins(tmp_path_factory) -> Iterator[Logins]:
    """A private cluster, or ONEGRID_TEST_DATABASE_URL: a superuser's URL of an empty
    database, which the tests set up with the same SQL a DBA runs (db setup-sql)."""
    given = os.environ.get("ONEGRID_TEST_DATABASE_URL")
    if given:
        names = role_names(database_name(given))
        owner_pw, app_pw = new_password(), new_password()
        apply_plan(setup_plan(names, owner_password=owner_pw, app_password=app_pw),
                   superuser_url=given)
        yield Logins(superuser=given, names=names, app_password=app_pw,
                     owner=with_login(given, user=names.owner, password=owner_pw),
                     app=with_login(given, user=names.app, password=app_pw))
        return
    root = Path(tmp_path_factory.mktemp("pg")) / "cluster"
    cluster = EmbeddedCluster(root, durable=False, memory=os.environ[MEMORY_ENV])
    cluster.start()
    try:
        yield Logins(superuser=cluster.superuser_url(), owner=cluster.url(),
                     app=cluster.app_url(), names=cluster.roles,
                     app_password=(root / "app_password").read_text().strip())
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def database_url(logins) -> str:
    """The owner's URL, as DATABASE_URL is in production."""
    return logins.owner


@pytest.fixture(scope="session")
def migrated_url(database_url) -> str:
    migrate.upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def engine(migrated_url, logins) -> Iterator[Engine]:
    """The fixtures' connection: the superuser, which may build anything anywhere."""
    eng = make_engine(logins.superuser, pool_size=2)
    yield eng
    eng.dispose()


@pytest.fixture()
def db(engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test.

    Code under test may commit: with create_savepoint, its commits release savepoints."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture()
def settings(migrated_url, logins, tmp_path):
    s = get_settings()
    s.database.url = migrated_url
    # The service logs in as the app role (on whichever test database url names).
    s.database.app_role = logins.names.app
    s.database.app_password = logins.app_password
    s.database.data_dir = tmp_path / "pg"
    s.security.secret_key = "test-secret-key-not-for-production"
    # Anonymous requests act as the dev admin; tests of access control turn this off
    # through tests/auth_fixtures.py (auth_client, anon_client).
    s.security.dev_mode = True
    return s


@pytest.fixture()
def app(settings, db):
    """The real app, its requests sharing the test's rolled-back session."""
    from api import deps
    from api.app import create_app

    application = create_app(settings)

    def test_session():
        yield db
        db.flush()

    application.dependency_overrides[deps.get_session] = test_session
    return application


@pytest.fixture()
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def scalar(session: Session, sql: str, **params):
    return session.execute(text(sql), params).scalar()
