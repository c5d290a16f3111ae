"""What every CLI command needs: settings, the database URL (embedded or external), a session."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from gis.cluster import EmbeddedCluster
from gis.db import make_engine, make_session_factory, unit_of_work
from gis.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def cluster(s: Settings) -> EmbeddedCluster:
    return EmbeddedCluster(s.database.data_dir, owner_role=s.database.owner_role,
                           app_role=s.database.app_role, memory=s.database.cluster_memory)


def database_url(s: Settings, *, start: bool = True) -> str:
    """DATABASE_URL when given; otherwise the embedded cluster, started if needed."""
    if s.database.url:
        return s.database.url
    embedded = cluster(s)
    if start:
        embedded.start()
    return embedded.url()


def use_database(s: Settings) -> str:
    """Fill in both logins (owner's url, the service's app_url); returns the owner's."""
    external = bool(s.database.url)
    url = database_url(s)
    s.database.url = url
    if not external and not s.database.app_url:
        s.database.app_url = cluster(s).app_url()
    return url


def migrate(s: Settings, revision: str = "heads") -> str:
    """Bring the schema up to date as the owner; returns the owner's URL."""
    from gis import migrate as migrations

    url = database_url(s)
    migrations.upgrade(url, revision, app_role=s.database.app_role or None)
    return url


@contextmanager
def session_scope(s: Settings, *, commit: bool) -> Iterator[Session]:
    """One transaction for one command; rolled back unless --commit was given."""
    engine = make_engine(database_url(s), pool_size=2)
    factory = make_session_factory(engine)
    try:
        if commit:
            with unit_of_work(factory) as session:
                yield session
        else:
            session = factory()
            try:
                yield session
            finally:
                session.rollback()
                session.close()
    finally:
        engine.dispose()
