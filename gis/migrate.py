"""Apply Alembic migrations programmatically (the CLI, the service and the tests share this)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from gis import db_roles
from gis.db import sqlalchemy_url

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
    command.upgrade(config, revision)


def downgrade(url: str, revision: str, *, app_role: str | None = None) -> None:
    command.downgrade(alembic_config(url, app_role=app_role), revision)


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
