"""The baseline migration upgrades and downgrades cleanly, and enforces its rules."""
from __future__ import annotations

import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, InternalError, ProgrammingError

from gis import migrate
from gis.db import sqlalchemy_url
from tests.factories import VILLAGE, add_cell


def tables(url: str) -> set[str]:
    eng = create_engine(sqlalchemy_url(url))
    with eng.connect() as conn:
        names = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    eng.dispose()
    return set(names)


def test_downgrade_to_base_and_back(migrated_url):
    migrate.downgrade(migrated_url, "base")
    assert tables(migrated_url) <= {"alembic_version", "spatial_ref_sys"}
    migrate.upgrade(migrated_url)
    assert {"regions", "grid_cells", "households", "incidents", "access_log"} <= tables(
        migrated_url)


def test_reference_tables_are_seeded(db):
    roles = db.execute(text("SELECT count(*) FROM staff_roles")).scalar()
    categories = db.execute(text(
        "SELECT name_zh FROM special_population_categories WHERE code = 'key_youth.05'")).scalar()
    assert roles >= 12
    assert categories == "农村留守儿童"


def test_cell_code_must_extend_its_village_code(db, two_cells):
    with pytest.raises(IntegrityError, match="parent_prefix"):
        add_cell(db, code="500151009009001", geom=box(5, 5, 6, 6),
                 generation=two_cells["generation"], village=VILLAGE)


def test_same_code_twice_in_one_generation_is_refused(db, two_cells):
    with pytest.raises(IntegrityError, match="code_per_generation"):
        add_cell(db, code=VILLAGE + "001", geom=box(5, 5, 6, 6),
                 generation=two_cells["generation"])


def test_invalid_geometry_is_refused(db, two_cells):
    bowtie = "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))"
    with pytest.raises(IntegrityError, match="check"):
        db.execute(text("INSERT INTO grid_cells (code, village_code, generation_low, geom) "
                        "VALUES (:c, :v, :g, ST_GeomFromText(:w, 4326))"),
                   {"c": VILLAGE + "009", "v": VILLAGE, "g": two_cells["generation"],
                    "w": bowtie})


def test_cells_get_lookup_pieces_and_area_in_square_metres(db, two_cells):
    pieces = db.execute(text("SELECT count(*) FROM grid_cell_pieces WHERE cell_id = :id"),
                        {"id": two_cells["west"]}).scalar()
    area = db.execute(text("SELECT area_m2 FROM grid_cells WHERE id = :id"),
                      {"id": two_cells["west"]}).scalar()
    assert pieces >= 1
    # one degree square at the equator is about 12,300 km²
    assert 1.22e10 < area < 1.24e10


def test_access_log_is_append_only(db):
    db.execute(text("INSERT INTO access_log (username, action, subject_type) "
                    "VALUES ('u', 'read', 'person')"))
    with pytest.raises((InternalError, ProgrammingError), match="append-only"):
        db.execute(text("DELETE FROM access_log"))


def test_a_migration_cancelled_by_a_deadlock_runs_again(logins):
    """A real deadlock (two sessions taking two locks in opposite order), where the server
    cancels the migration's side; the whole step runs again and succeeds."""
    import threading

    # the superuser, to choose which side the server cancels (deadlock_timeout)
    engine = create_engine(sqlalchemy_url(logins.superuser))
    attempts: list[int] = []

    def step() -> None:
        attempts.append(1)
        with engine.connect() as ours, engine.connect() as other:
            if len(attempts) == 1:
                # ours notices the cycle first, so the server cancels ours, as it did the
                # migration in CI
                other.execute(text("SET deadlock_timeout = '10s'"))
                ours.execute(text("SET deadlock_timeout = '50ms'"))
                ours.execute(text("SELECT pg_advisory_xact_lock(9001)"))
                other.execute(text("SELECT pg_advisory_xact_lock(9002)"))
                waiter = threading.Thread(target=lambda: (
                    other.execute(text("SELECT pg_advisory_xact_lock(9001)")),
                    other.rollback()))
                waiter.start()
                try:
                    while not ours.execute(text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND NOT granted")).scalar():
                        pass
                    ours.execute(text("SELECT pg_advisory_xact_lock(9002)"))
                finally:
                    ours.rollback()
                    waiter.join()
            ours.execute(text("SELECT 1"))

    try:
        migrate.retrying_deadlocks(step)
    finally:
        engine.dispose()
    assert len(attempts) == 2


def test_other_errors_are_not_retried(migrated_url):
    attempts: list[int] = []
    engine = create_engine(sqlalchemy_url(migrated_url))

    def step() -> None:
        attempts.append(1)
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))

    try:
        with pytest.raises(ProgrammingError, match="no_such_table"):
            migrate.retrying_deadlocks(step)
    finally:
        engine.dispose()
    assert attempts == [1]
