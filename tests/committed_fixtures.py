"""Databases that other processes and connections can see: committed, then dropped.

The `db` fixture's rows live in a transaction that is rolled back, invisible to a server
in another process or to a second connection (LISTEN/NOTIFY, the /locate cell index).
`committed_grid_url` is a new, migrated database in the test cluster holding a committed
two-cell grid (west …001, east …002, each one degree square); it is dropped afterwards,
whatever happens."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gis import migrate
from gis.db import sqlalchemy_url
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region


@pytest.fixture()
def committed_grid_url(migrated_url) -> Iterator[str]:
    name = f"onegrid_committed_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(migrated_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # a generated identifier, not input
    url = make_url(migrated_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        engine = create_engine(sqlalchemy_url(url))
        with Session(engine) as session, session.begin():
            village = box(0, 0, 2, 1)
            add_region(session, code=DISTRICT, level="district", parent=None, geom=village)
            add_region(session, code=TOWN, level="town", parent=DISTRICT, geom=village)
            add_region(session, code=VILLAGE, level="village", parent=TOWN, geom=village)
            gen = add_generation(session)
            add_cell(session, code=VILLAGE + "001", geom=box(0, 0, 1, 1), generation=gen)
            add_cell(session, code=VILLAGE + "002", geom=box(1, 0, 2, 1), generation=gen)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
