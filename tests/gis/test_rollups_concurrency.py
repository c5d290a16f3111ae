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


EAST = VILLAGE + "002"
# Two households in one statement, east first: without one lock order for the rollup rows,
# this statement would hold east's row while it waits for west's.
ADD_EAST_THEN_WEST = text(
    "WITH h AS (INSERT INTO households (external_id, located_by) "
    "SELECT ext, 'manual' FROM unnest(ARRAY[:ext || '-east', :ext || '-west']) "
    "WITH ORDINALITY AS e(ext, i) ORDER BY i RETURNING id, external_id) "
    "INSERT INTO household_own_cells (household_id, cell_id) "
    "SELECT h.id, c.id FROM h JOIN grid_cells AS c "
    "ON c.code = CASE WHEN h.external_id LIKE '%-east' THEN :east ELSE :west END "
    "ORDER BY h.external_id")


def counted(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT r.households FROM cell_rollups r JOIN grid_cells c ON c.id = r.cell_id "
            "WHERE c.code = :code"), {"code": code}).scalar_one()


def test_writers_of_two_cells_in_opposite_orders_both_land_without_deadlock(
        committed_grid_url):
    """The first writer holds west, the second writes east and west in one statement, then
    the first writes east: with rollup rows locked in cell id order the second waits for
    west before it takes east, so the first's east write goes through; no deadlock."""
    engine = create_engine(sqlalchemy_url(committed_grid_url), pool_size=3)
    with engine.begin() as setup:  # both rows exist: the writers lock them, not insert them
        setup.execute(text("SELECT onegrid_rollup_refresh(array_agg(id)) FROM grid_cells"))
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(ADD, {"ext": "first-west", "code": WEST})  # holds west's rollup row
        second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
        second.commit()
        second.begin()
        errors: list[BaseException] = []

        def write_second():
            try:
                second.execute(ADD_EAST_THEN_WEST, {"ext": "second", "east": EAST,
                                                    "west": WEST})
                second.commit()
            except BaseException as error:  # re-raised in the test's thread
                errors.append(error)

        writer = threading.Thread(target=write_second)
        writer.start()
        with engine.connect() as watcher:  # wait until the second writer waits for a lock
            while not watcher.execute(text(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                    {"p": second_pid}).scalar():
                watcher.rollback()
                if not writer.is_alive():
                    break
        first.execute(ADD, {"ext": "first-east", "code": EAST})  # east is still free
        first.commit()
        writer.join(timeout=60)
        assert not errors and not writer.is_alive()
        assert (counted(engine, WEST), counted(engine, EAST)) == (2, 2)
    finally:
        first.close()
        second.close()
        engine.dispose()


def test_a_person_added_and_a_household_moved_into_one_cell_both_count(committed_grid_url):
    """Two kinds of delta on one cell's row at once (residents by one writer, a whole
    household by the other): the second applies its delta to the first's committed row."""
    engine = create_engine(sqlalchemy_url(committed_grid_url), pool_size=3)
    with engine.begin() as setup:
        setup.execute(ADD, {"ext": "home", "code": WEST})
        setup.execute(ADD, {"ext": "mover", "code": EAST})
        setup.execute(text("INSERT INTO persons (household_id, name) SELECT id, '乙' "
                           "FROM households WHERE external_id = 'mover'"))
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(text("INSERT INTO persons (household_id, name) SELECT id, '甲' "
                           "FROM households WHERE external_id = 'home'"))
        second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
        second.commit()
        second.begin()
        errors: list[BaseException] = []

        def move_second():
            try:
                second.execute(text(
                    "UPDATE household_own_cells SET cell_id = "
                    "(SELECT id FROM grid_cells WHERE code = :west) WHERE household_id = "
                    "(SELECT id FROM households WHERE external_id = 'mover')"), {"west": WEST})
                second.commit()
            except BaseException as error:
                errors.append(error)

        writer = threading.Thread(target=move_second)
        writer.start()
        with engine.connect() as watcher:
            while not watcher.execute(text(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                    {"p": second_pid}).scalar():
                watcher.rollback()
                if not writer.is_alive():
                    break
        first.commit()
        writer.join(timeout=60)
        assert not errors and not writer.is_alive()
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT c.code, r.households, r.residents FROM cell_rollups r "
                "JOIN grid_cells c ON c.id = r.cell_id ORDER BY c.code")).all()
        assert [tuple(r) for r in rows] == [(WEST, 2, 2), (EAST, 0, 0)]
    finally:
        first.close()
        second.close()
        engine.dispose()


def test_a_person_added_to_a_household_while_it_moves_counts_where_it_lands(
        committed_grid_url):
    """The mover reads the household's residents only once it holds the cells' rows: the
    person the first writer added (committed while the mover waited) moves with it."""
    engine = create_engine(sqlalchemy_url(committed_grid_url), pool_size=3)
    with engine.begin() as setup:
        setup.execute(ADD, {"ext": "mover", "code": WEST})
        setup.execute(text("INSERT INTO persons (household_id, name) SELECT id, '乙' "
                           "FROM households WHERE external_id = 'mover'"))
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(text("INSERT INTO persons (household_id, name) SELECT id, '甲' "
                           "FROM households WHERE external_id = 'mover'"))  # holds west
        second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
        second.commit()
        second.begin()
        errors: list[BaseException] = []

        def move_second():
            try:
                second.execute(text(
                    "UPDATE household_own_cells SET cell_id = "
                    "(SELECT id FROM grid_cells WHERE code = :east) WHERE household_id = "
                    "(SELECT id FROM households WHERE external_id = 'mover')"), {"east": EAST})
                second.commit()
            except BaseException as error:
                errors.append(error)

        writer = threading.Thread(target=move_second)
        writer.start()
        with engine.connect() as watcher:
            while not watcher.execute(text(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                    {"p": second_pid}).scalar():
                watcher.rollback()
                if not writer.is_alive():
                    break
        first.commit()
        writer.join(timeout=60)
        assert not errors and not writer.is_alive()
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT c.code, r.households, r.residents FROM cell_rollups r "
                "JOIN grid_cells c ON c.id = r.cell_id ORDER BY c.code")).all()
        assert [tuple(r) for r in rows] == [(WEST, 0, 0), (EAST, 1, 2)]
    finally:
        first.close()
        second.close()
        engine.dispose()
