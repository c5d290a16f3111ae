"""Two writers in one cell at once: the rollup counts both (no lost update)."""
from __future__ import annotations

import threading

from sqlalchemy import create_engine, text

from gis.db import sqlalchemy_url
from tests.factories import VILLAGE

WEST = VILLAGE + "001"
ADD = text("WITH h AS (INSERT INTO households (external_id, located_by) "
           "VALUES (:ext, 'manual') RETURNING id) "
           "INSERT INTO household_own_cells (household_id, cell_id) "
           "SELECT h.id, c.id FROM h, grid_cells AS c WHERE c.code = :code")


def households_counted(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT r.households FROM cell_rollups r JOIN grid_cells c ON c.id = r.cell_id "
            "WHERE c.code = :code"), {"code": WEST}).scalar_one()


def test_a_writer_that_waited_counts_the_other_writers_household(committed_grid_url):
    engine = create_engine(sqlalchemy_url(committed_grid_url), pool_size=3)
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(ADD, {"ext": "first", "code": WEST})  # holds the cell's rollup row
        second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
        second.commit()
        second.begin()
        errors: list[BaseException] = []

        def write_second():
            try:
                second.execute(ADD, {"ext": "second", "code": WEST})
                second.commit()
            except BaseException as error:  # re-raised in the test's thread
                errors.append(error)

        writer = threading.Thread(target=write_second)
        writer.start()
        with engine.connect() as watcher:  # wait until the second writer waits for the lock
            while not watcher.execute(text(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                    {"p": second_pid}).scalar():
                watcher.rollback()
                if not writer.is_alive():
                    break
        first.commit()
        writer.join(timeout=60)
        assert not errors and not writer.is_alive()
        assert households_counted(engine) == 2
    finally:
        first.close()
        second.close()
        engine.dispose()
