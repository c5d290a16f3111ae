"""Apply Alembic migrations programmatically (the CLI, the service and the tests share this)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gis import db_roles
from gis.db import sqlalchemy_url

log = logging.getLogger("onegrid.migrate")

# A migration is one transaction (migrations/env.py), so a deadlock rolls all of it back
# and running it again is safe. Deadlocks do happen with no other client: autovacuum's
# ANALYZE of a freshly loaded table updates its pg_class row in place and, since
# PostgreSQL 15.9/16.5/17.1, waits for our transaction that changed that row (a GRANT);
# our ALTER TABLE then waits for the ANALYZE's lock and the server cancels one of us.
DEADLOCK_ATTEMPTS = 4

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str, *, app_role: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # '%' must be escaped for configparser (passwords may contain it)
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    # The role the migrations grant the service's privileges to (migrations/env.py).
    config.attributes["app_role"] = app_role or db_roles.role_names(
        db_roles.database_name(url)).app
    return config


def upgrade(url: str, revision: str = "heads", *, app_role: str | None = None) -> None:
    """Migrate as the database owner, after checking the DBA's set-up is in place."""
    config = alembic_config(url, app_role=app_role)
    names = db_roles.role_names(db_roles.database_name(url),
                                app=config.attributes["app_role"])
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            db_roles.check_migration_login(conn, names)
    finally:
        engine.dispose()
    retrying_deadlocks(lambda: command.upgrade(config, revision))


def downgrade(url: str, revision: str, *, app_role: str | None = None) -> None:
    config = alembic_config(url, app_role=app_role)
    retrying_deadlocks(lambda: command.downgrade(config, revision))


def retrying_deadlocks(step: Callable[[], None], attempts: int = DEADLOCK_ATTEMPTS) -> None:
    """Run a whole-transaction step again when the server broke a deadlock by cancelling
    it (SQLSTATE 40P01); any other error, or the last attempt's, propagates."""
    for attempt in range(1, attempts + 1):
        try:
            step()
            return
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == attempts:
                raise
            log.warning("migration deadlocked (attempt %d of %d); running it again",
                        attempt, attempts)
            time.sleep(0.5 * attempt)


def current_revision(connectable: Engine | Connection | Session) -> str | None:
    """The applied revision(s), comma-separated; None for a database never migrated."""
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            return current_revision(conn)
    exists = connectable.execute(text("SELECT to_regclass('alembic_version')")).scalar()
    if not exists:
        return None
    rows = connectable.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(rows)) or None


def head_revision() -> str:
    """The head revision(s), comma-separated, as current_revision reports them."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("postgresql://x/y")).get_heads()
    return ",".join(sorted(heads))


def engine_for(url: str) -> Engine:
    return create_engine(sqlalchemy_url(url))
