"""A person (or special-population record) added to a household while another writer places
that household in a cell: the cell's rollup counts it, whichever writer is first
(migrations/sql/0033_rollup_race_*.sql).

Before 0033 the two writers had nothing to wait for: the person's writer found no cell (or
only the old one), the placing writer did not see the uncommitted person in the household's
weights, and the cell's rollup missed the person until `onegrid people rollups --commit`.

Two connections: the first writes and stays open; the second writes (and, with 0033, waits
for the first); then the first commits, the second commits. The rollups must equal what a
recount (onegrid_rollup_refresh, the repair) says, and count the added person / record."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from gis.db import sqlalchemy_url
from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"

# Households that are going to be placed in WEST, one per placement path.
SETUP = {
    # no cell yet (no coordinates, no building): its first cell, by hand
    "own, first cell": [
        "INSERT INTO households (external_id, located_by) VALUES ('drifter', 'manual')"],
    # placed in EAST, moved to WEST (a new generation's assignment)
    "own, moved": [
        "INSERT INTO households (external_id, located_by) VALUES ('drifter', 'manual')",
        "INSERT INTO household_own_cells (household_id, cell_id) SELECT h.id, c.id "
        "FROM households h, grid_cells c WHERE h.external_id = 'drifter' "
        f"AND c.code = '{EAST}'"],
    # located by a building that has no cell yet: the building's first cell
    "building, first cell": [
        "INSERT INTO buildings (address, geom) VALUES ('drift house', "
        "ST_SetSRID(ST_MakePoint(0.5, 0.5), 4326))",
        "INSERT INTO households (external_id, located_by, building_id) "
        "SELECT 'drifter', 'building', id FROM buildings WHERE address = 'drift house'"],
    # located by a building in EAST, the building moved to WEST
    "building, moved": [
        "INSERT INTO buildings (address, geom) VALUES ('drift house', "
        "ST_SetSRID(ST_MakePoint(0.5, 0.5), 4326))",
        "INSERT INTO building_cells (building_id, cell_id) SELECT b.id, c.id "
        f"FROM buildings b, grid_cells c WHERE b.address = 'drift house' AND c.code = '{EAST}'",
        "INSERT INTO households (external_id, located_by, building_id) "
        "SELECT 'drifter', 'building', id FROM buildings WHERE address = 'drift house'"],
}
PLACE = {
    "own, first cell":
        "INSERT INTO household_own_cells (household_id, cell_id) SELECT h.id, c.id "
        f"FROM households h, grid_cells c WHERE h.external_id = 'drifter' AND c.code = '{WEST}'",
    "own, moved":
        "UPDATE household_own_cells SET cell_id = (SELECT id FROM grid_cells "
        f"WHERE code = '{WEST}') WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = 'drifter')",
    "building, first cell":
        "INSERT INTO building_cells (building_id, cell_id) SELECT b.id, c.id "
        f"FROM buildings b, grid_cells c WHERE b.address = 'drift house' AND c.code = '{WEST}'",
    "building, moved":
        "UPDATE building_cells SET cell_id = (SELECT id FROM grid_cells "
        f"WHERE code = '{WEST}') WHERE building_id = "
        "(SELECT id FROM buildings WHERE address = 'drift house')",
}
ADD = {
    "person removed": "DELETE FROM persons WHERE name = '乙'",
    "person": "INSERT INTO persons (household_id, name) SELECT id, '甲' "
              "FROM households WHERE external_id = 'drifter'",
    "record": "INSERT INTO special_population_records (person_id, category_code, "
              "concern_level) SELECT p.id, 'elderly_alone', 'high' FROM persons p "
              "JOIN households h ON h.id = p.household_id WHERE h.external_id = 'drifter'",
}
ROLLUPS = text("SELECT c.code, r.households, r.residents, r.special_total, r.special "
               "FROM cell_rollups r JOIN grid_cells c ON c.id = r.cell_id ORDER BY c.code")


def rollups_and_recount(engine) -> tuple[dict, dict]:
    """Every cell's rollups as the triggers kept them, and as the repair recounts them."""
    with engine.connect() as conn:
        kept = {row[0]: tuple(row[1:]) for row in conn.execute(ROLLUPS)}
        conn.execute(text("SELECT onegrid_rollup_refresh(array_agg(id)) FROM grid_cells"))
        recounted = {row[0]: tuple(row[1:]) for row in conn.execute(ROLLUPS)}
        conn.rollback()  # the recount is only looked at
    return kept, recounted


def race(engine, first_sql: str, second_sql: str) -> None:
    """first_sql written and left open; second_sql written by another connection (which
    may wait for the first); the first commits, then the second."""
    first, second = engine.connect(), engine.connect()
    try:
        first.begin()
        first.execute(text(first_sql))
        second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
        second.commit()
        second.begin()
        errors: list[BaseException] = []

        def write_second():
            try:
                second.execute(text(second_sql))
                second.commit()
            except BaseException as error:  # re-raised in the test's thread
                errors.append(error)

        writer = threading.Thread(target=write_second)
        writer.start()
        with engine.connect() as watcher:  # until the second waits for the first, or is done
            while writer.is_alive() and not watcher.execute(text(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                    {"p": second_pid}).scalar():
                watcher.rollback()
        first.commit()
        writer.join(timeout=60)
        assert not writer.is_alive()
        if errors:
            raise errors[0]
    finally:
        first.close()
        second.close()


# 0034: a bulk placement (more rows than onegrid.rollup_bulk_rows and than
# onegrid.rollup_probe_share of its table's rows) locks persons and records IN SHARE MODE
# instead of its households' rows; both settings 0 make these one-row placements bulk.
BULK = {"options": "-c onegrid.rollup_bulk_rows=0 -c onegrid.rollup_probe_share=0"}


@pytest.mark.parametrize("size", ["small", "bulk"])
@pytest.mark.parametrize("first_writes", ["weight", "placement"])
@pytest.mark.parametrize("path", list(PLACE))
@pytest.mark.parametrize("added", ["person", "record", "person removed"])
def test_what_is_added_while_the_household_is_placed_counts_in_its_cell(
        committed_grid_url, first_writes, path, added, size):
    engine = create_engine(sqlalchemy_url(committed_grid_url), pool_size=3,
                           connect_args=BULK if size == "bulk" else {})
    try:
        with engine.begin() as setup:
            for sql in SETUP[path]:
                setup.execute(text(sql))
            if added != "person":  # a person is there before: its record, or its removal
                setup.execute(text("INSERT INTO persons (household_id, name) SELECT id, '乙' "
                                   "FROM households WHERE external_id = 'drifter'"))
            setup.execute(text("SELECT onegrid_rollup_refresh(array_agg(id)) FROM grid_cells"))
        weight, placement = ADD[added], PLACE[path]
        if first_writes == "weight":
            race(engine, weight, placement)
        else:
            race(engine, placement, weight)
        kept, recounted = rollups_and_recount(engine)
        households, residents, special_total, special = recounted[WEST]
        assert (households, residents, special_total) == (
            1, 0 if added == "person removed" else 1, 1 if added == "record" else 0)
        assert kept[WEST] == recounted[WEST]
        nothing = (0, 0, 0, {})
        assert kept.get(EAST, nothing) == recounted.get(EAST, nothing)
    finally:
        engine.dispose()


FUNCTIONS = text("SELECT proname, prosrc FROM pg_proc WHERE proname IN ("
                 "'onegrid_rollup_own_cells', 'onegrid_rollup_building_cells', "
                 "'onegrid_rollup_persons', 'onegrid_rollup_special') ORDER BY proname")


def bodies(url: str) -> dict[str, str]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return dict(conn.execute(FUNCTIONS).all())
    finally:
        engine.dispose()


def test_the_downgrade_restores_0032s_trigger_functions_verbatim(migrated_url):
    from gis import migrate

    migrate.downgrade(migrated_url, "0031_incident_duplicate_index")
    migrate.upgrade(migrated_url, "0032_rollup_weights")
    as_0032_made_them = bodies(migrated_url)
    migrate.upgrade(migrated_url)
    with_locks = bodies(migrated_url)
    assert all("FOR SHARE" in with_locks[name] for name in ("onegrid_rollup_persons",
                                                           "onegrid_rollup_special"))
    migrate.downgrade(migrated_url, "0032_rollup_weights")
    assert bodies(migrated_url) == as_0032_made_them
    migrate.upgrade(migrated_url)
    assert bodies(migrated_url) == with_locks
