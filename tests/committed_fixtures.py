"""Databases that other processes and connections can see: committed, then dropped.

The `db` fixture's rows live in a transaction that is rolled back, invisible to a server
in another process or to a second connection (LISTEN/NOTIFY, the /locate cell index).
`committed_grid_url` is a new, migrated database in the test cluster holding a committed
two-cell grid (west …001, east …002, each one degree square); it is dropped afterwards,
whatever happens."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gis import migrate
from gis.db import sqlalchemy_url
from gis.db_roles import RoleNames, apply_plan, setup_plan
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region


@contextmanager
def committed_database(migrated_url, logins, *, prefix: str,
                       fill: Callable[[Session], None]) -> Iterator[str]:
    """A new database in the test cluster, migrated, filled by `fill` in one committed
    transaction (the service's app role, the same as the main test database's, gets its
    rights there too); yields the owner's URL and drops the database afterwards, whatever
    happens."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(logins.superuser), isolation_level="AUTOCOMMIT")
    names = RoleNames(database=name, owner=logins.names.owner, app=logins.names.app)
    apply_plan(setup_plan(names, owner_password=None, app_password=logins.app_password),
               superuser_url=logins.superuser)
    url = make_url(migrated_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url, app_role=names.app)
        engine = create_engine(sqlalchemy_url(url))
        with Session(engine) as session, session.begin():
            fill(session)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def two_cells(session: Session) -> None:
    """West …001 and east …002, each one degree square, in one village."""
    village = box(0, 0, 2, 1)
    add_region(session, code=DISTRICT, level="district", parent=None, geom=village)
    add_region(session, code=TOWN, level="town", parent=DISTRICT, geom=village)
    add_region(session, code=VILLAGE, level="village", parent=TOWN, geom=village)
    gen = add_generation(session)
    add_cell(session, code=VILLAGE + "001", geom=box(0, 0, 1, 1), generation=gen)
    add_cell(session, code=VILLAGE + "002", geom=box(1, 0, 2, 1), generation=gen)


@pytest.fixture()
def committed_grid_url(migrated_url, logins) -> Iterator[str]:
    """The owner's URL of a new database holding the committed two-cell grid."""
    with committed_database(migrated_url, logins, prefix="onegrid_committed",
                            fill=two_cells) as url:
        yield url
