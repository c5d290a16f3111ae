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
    return EmbeddedCluster(s.database.data_dir)


def database_url(s: Settings, *, start: bool = True) -> str:
    """DATABASE_URL when given; otherwise the embedded cluster, started if needed."""
    if s.database.url:
        return s.database.url
    embedded = cluster(s)
    if start:
        embedded.start()
    return embedded.url()


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
