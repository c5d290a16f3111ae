"""Database roles as a DBA provides them: the set-up SQL, an owner without CREATEROLE or
superuser, several onegrid databases on one server, and a service login that cannot
read past row-level security."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gis import migrate
from gis.cluster import find_pg_bindir
from gis.db import sqlalchemy_url
from gis.demo.load import load_if_empty
from gis.errors import DatabaseSetupIncomplete


def plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def onegrid(*args: str, env: dict[str, str], stdin: str | None = None
            ) -> subprocess.CompletedProcess:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "gis.cli.main", *args], env=full,
                          input=stdin, capture_output=True, text=True, timeout=600)


def run_psql(superuser_url: str, script: str) -> None:
    """As a DBA would: psql, stop at the first error."""
    url = make_url(superuser_url)
    env = {**os.environ, "PGPASSWORD": url.password}
    proc = subprocess.run(
        [str(find_pg_bindir() / "psql"), "-v", "ON_ERROR_STOP=1", "-h", url.host,
         "-p", str(url.port), "-U", url.username, "-d", "postgres", "-f", "-"],
        input=script, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


class DbaDatabase:
    """A new database set up from `onegrid db setup-sql`, dropped with its roles after."""

    def __init__(self, logins, tmp_path):
        self.name = f"district_{uuid.uuid4().hex[:6]}"
        self.superuser = logins.superuser
        server = make_url(logins.superuser)
        self.host = f"{server.host}:{server.port}"
        result = onegrid("db", "setup-sql", "--database", self.name, "--host", self.host,
                         env={"ONEGRID_DATABASE__DATA_DIR": str(tmp_path / "pg")})
        assert result.returncode == 0, result.stderr
        self.script = result.stdout
        run_psql(self.superuser, self.script)
        lines = dict(line.removeprefix("--   ").split("=", 1)
                     for line in self.script.splitlines() if line.startswith("--   ")
                     and "=" in line)
        self.owner_url = lines["DATABASE_URL"]
        self.app_url = lines["ONEGRID_DATABASE__APP_URL"]
        self.env = {"DATABASE_URL": self.owner_url, "ONEGRID_DATABASE__APP_URL": self.app_url,
                    "ONEGRID_DATABASE__DATA_DIR": str(tmp_path / "pg")}

    def drop(self) -> None:
        with psycopg.connect(plain(self.superuser), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            for role in (f"{self.name}_app", f"{self.name}_owner"):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture()
def dba_database(logins, tmp_path) -> Iterator[DbaDatabase]:
    made = DbaDatabase(logins, tmp_path)
    try:
        yield made
    finally:
        made.drop()


def role(conn, name: str):
    return conn.execute(text("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles "
                             "WHERE rolname = :r"), {"r": name}).one()


def test_setup_sql_names_roles_after_the_database(dba_database):
    name = dba_database.name
    engine = create_engine(sqlalchemy_url(dba_database.superuser))
    with engine.connect() as conn:
        owner, app = role(conn, f"{name}_owner"), role(conn, f"{name}_app")
    engine.dispose()
    assert not owner.rolsuper and not owner.rolcreaterole
    assert not app.rolsuper and not app.rolcreaterole and not app.rolbypassrls
    assert 'CREATE EXTENSION IF NOT EXISTS postgis' in dba_database.script
    # optional: created only where the server has the package (skipped, not failed, else)
    assert "WHERE name = 'pgrouting') THEN\n        CREATE EXTENSION IF NOT EXISTS pgrouting" \
        in dba_database.script


def test_owner_without_superuser_migrates_loads_and_serves(dba_database, settings):
    env = dba_database.env
    migrated = onegrid("db", "migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    load_if_empty(dba_database.owner_url, size="small", secret_key="k" * 32)
    added = onegrid("user", "add", "ann", "--role", "grid_worker", "--password-stdin",
                    env=env, stdin="correct horse battery\n")
    assert added.returncode == 0, added.stderr
    engine = create_engine(sqlalchemy_url(dba_database.owner_url))
    with engine.connect() as conn:
        cell = conn.execute(text(
            "SELECT c.code FROM grid_cells AS c JOIN household_cells AS hc "
            "ON hc.cell_id = c.id GROUP BY c.code ORDER BY count(*) DESC LIMIT 1")).scalar()
        in_cell = conn.execute(text(
            "SELECT count(*) FROM household_cells AS hc JOIN grid_cells AS c "
            "ON c.id = hc.cell_id WHERE c.code = :c"), {"c": cell}).scalar()
    engine.dispose()
    scoped = onegrid("user", "scope", "add", "ann", cell, env=env)
    assert scoped.returncode == 0, scoped.stderr

    from api.app import create_app

    settings.database.url = dba_database.owner_url
    settings.database.app_url = dba_database.app_url
    settings.security.dev_mode = False
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        token = client.post("/auth/token", data={"username": "ann",
                                                 "password": "correct horse battery"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        page = client.get("/households", params={"limit": 1000}, headers=headers)
        assert page.status_code == 200, page.text
        # ann sees her cell's households and nothing else, served by the app login
        assert {h["cell_code"] for h in page.json()["items"]} == {cell}
        assert len(page.json()["items"]) == min(in_cell, 1000)

    # downgrade and upgrade again, as the owner
    migrate.downgrade(dba_database.owner_url, "0008_refresh_tokens",
                      app_role=f"{dba_database.name}_app")
    migrate.upgrade(dba_database.owner_url, app_role=f"{dba_database.name}_app")


def test_two_databases_share_one_server(logins, tmp_path, settings):
    from api.app import create_app

    first, second = DbaDatabase(logins, tmp_path / "a"), DbaDatabase(logins, tmp_path / "b")
    try:
        for made in (first, second):
            result = onegrid("db", "migrate", env=made.env)
            assert result.returncode == 0, result.stderr
        for made in (first, second):
            settings.database.url, settings.database.app_url = made.owner_url, made.app_url
            with TestClient(create_app(settings)) as client:
                health = client.get("/healthz").json()
                assert health["status"] == "ok", health
    finally:
        first.drop()
        second.drop()


def test_without_the_setup_sql_migrate_says_what_is_missing(logins, tmp_path):
    name = f"bare_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(plain(logins.superuser), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{name}_login\" LOGIN PASSWORD 'pw-{name}'")
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{name}_login"')
    try:
        url = make_url(logins.superuser).set(username=f"{name}_login",
                                             password=f"pw-{name}", database=name)
        result = onegrid("db", "migrate", env={
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "ONEGRID_DATABASE__DATA_DIR": str(tmp_path / "pg")})
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "postgis" in result.stderr and "setup-sql" in result.stderr
        assert len(result.stderr.splitlines()) <= 3
    finally:
        with psycopg.connect(plain(logins.superuser), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{name}_login"')


def test_a_missing_app_role_is_named(dba_database):
    # settings name an app role the DBA never created
    with pytest.raises(DatabaseSetupIncomplete, match="staging_app does not exist"):
        migrate.upgrade(dba_database.owner_url, app_role="staging_app")


def test_the_service_refuses_to_log_in_as_the_owner(settings):
    from api.app import create_app

    settings.database.app_url = settings.database.url  # the owner: bypasses RLS
    with pytest.raises(DatabaseSetupIncomplete, match="must not log in"), \
            TestClient(create_app(settings)):
        pass


def app_connection(logins):
    return psycopg.connect(plain(logins.app), autocommit=True)


def test_the_app_login_cannot_escape_row_level_security(migrated_url, logins):
    with app_connection(logins) as conn:
        conn.execute("RESET ROLE")  # back to the session user: still the app role
        assert conn.execute("SELECT current_user").fetchone()[0] == logins.names.app
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'SET ROLE "{logins.names.owner}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE households DISABLE ROW LEVEL SECURITY")


@pytest.mark.parametrize("statement", ["TRUNCATE access_log", "DELETE FROM access_log",
                                       "UPDATE access_log SET reason = 'x'",
                                       "UPDATE alembic_version SET version_num = 'x'"])
def test_the_app_login_cannot_rewrite_history(migrated_url, logins, statement):
    with app_connection(logins) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_not_even_the_owner_truncates_the_access_log(migrated_url):
    with psycopg.connect(plain(migrated_url)) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("TRUNCATE access_log")
