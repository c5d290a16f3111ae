"""Per-household weights (0032_rollup_weights) equal a recount after any mix of writes,
and the placements' rollup upkeep that reads them stays exact."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.auth import rls
from gis.auth.principal import Principal
from gis.people import rollups
from gis.people.assignment import assign_households
from tests.gis.test_rollup_deltas import MID_LAT, Writer, kept, recounted
from tests.people_fixtures import (
    EAST_CODE,
    WEST_CODE,
    add_household,
    add_person,
    add_special,
    make_id,
)

SQL = Path(__file__).resolve().parents[2] / "migrations" / "sql"


def weights(db) -> dict[int, tuple]:
    """household -> (residents, {(category, level, open_until): n}) as the triggers kept
    them (zero rows left out: the triggers keep them, the repair drops them)."""
    out: dict[int, list] = defaultdict(lambda: [0, {}])
    for household, residents in db.execute(text(
            "SELECT household_id, residents FROM household_weights WHERE residents <> 0")):
        out[household][0] = residents
    for household, category, level, until, n in db.execute(text(
            "SELECT household_id, category_code, concern_level, open_until::text, n "
            "FROM household_special_weights WHERE n <> 0")):
        out[household][1][(category, level, str(until))] = n
    return {h: (w[0], w[1]) for h, w in out.items()}


def recounted_weights(db) -> dict[int, tuple]:
    """The same from scratch, straight from persons and records."""
    out: dict[int, list] = defaultdict(lambda: [0, {}])
    for household, residents in db.execute(text(
            "SELECT household_id, count(*) FROM persons WHERE household_id IS NOT NULL "
            "GROUP BY household_id")):
        out[household][0] = residents
    for household, category, level, until, n in db.execute(text(
            "SELECT p.household_id, r.category_code, r.concern_level, "
            "coalesce(r.end_date, 'infinity'::date)::text, count(*) "
            "FROM special_population_records AS r JOIN persons AS p ON p.id = r.person_id "
            "WHERE p.household_id IS NOT NULL GROUP BY 1, 2, 3, 4")):
        out[household][1][(category, level, str(until))] = n
    return {h: (w[0], w[1]) for h, w in out.items()}


@pytest.mark.parametrize("bulk_rows", ["1000", "0"], ids=["by-row", "bulk"])
@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_weights_equal_a_recount_after_a_random_mix_of_writes(db, three_cells, seed,
                                                              bulk_rows):
    db.execute(text("SELECT set_config('onegrid.rollup_bulk_rows', :n, true)"),
               {"n": bulk_rows})
    # 0034: no share of the tables' rows makes a statement small (they are tiny here)
    db.execute(text("SELECT set_config('onegrid.rollup_probe_share', '0', true)"))
    writer = Writer(db, three_cells, seed)
    for _ in range(12):
        writer.import_household()
        writer.add_person()
        writer.add_person()
    writer.assign()
    for _ in range(4):
        writer.add_special()
    done = []
    for _ in range(60):
        done.append(writer.step())
        assert weights(db) == recounted_weights(db), f"after {done}"
        assert kept(db) == recounted(db), f"after {done}"
    assert len(set(done)) >= 10  # the mix really mixed
    assert recounted_weights(db)  # and something is still weighed


def test_a_moved_household_takes_its_residents_and_open_records_only(db, three_cells):
    """The date rule: a record closed yesterday weighs (keyed by its end date) but does
    not count when its household moves; one open until today does."""
    household = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    assign_households(db, generation_id=three_cells["generation"])
    first = add_person(db, household_id=household, name="甲", id_number=make_id(seq="001"))
    add_person(db, household_id=household, name="乙", id_number=make_id(seq="002"))
    add_special(db, person_id=first, category="disabled", level="high")
    closed = add_special(db, person_id=first, category="hardship", level="low")
    today = add_special(db, person_id=first, category="hardship", level="medium")
    db.execute(text("UPDATE special_population_records SET end_date = current_date - 1 "
                    "WHERE id = :r"), {"r": closed})
    db.execute(text("UPDATE special_population_records SET end_date = current_date "
                    "WHERE id = :r"), {"r": today})
    assert weights(db)[household][0] == 2
    assert len(weights(db)[household][1]) == 3
    db.execute(text("UPDATE household_own_cells SET cell_id = :c WHERE household_id = :h"),
               {"c": three_cells["east"], "h": household})
    east = kept(db)[three_cells["east"]]
    assert east[:4] == (1, 2, 2, 2)
    assert east[4] == {"disabled": {"high": 1}, "hardship": {"medium": 1}}
    assert three_cells["west"] not in kept(db)
    assert kept(db) == recounted(db)


def test_a_deleted_household_leaves_no_weights(db, three_cells):
    household = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=1)
    person = add_person(db, household_id=household, name="甲", id_number=make_id())
    add_special(db, person_id=person, category="disabled", level="high")
    assert household in weights(db)
    db.execute(text("DELETE FROM households WHERE id = :h"), {"h": household})
    assert db.execute(text(
        "SELECT (SELECT count(*) FROM household_weights WHERE household_id = :h) "
        "+ (SELECT count(*) FROM household_special_weights WHERE household_id = :h)"),
        {"h": household}).scalar_one() == 0
    assert weights(db) == recounted_weights(db)


def test_a_person_moved_takes_its_records_to_the_new_household(db, three_cells):
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=1)
    east = add_household(db, lon=106.025, lat=MID_LAT, external_id="e", members=1)
    assign_households(db, generation_id=three_cells["generation"])
    person = add_person(db, household_id=west, name="甲", id_number=make_id())
    add_special(db, person_id=person, category="disabled", level="high")
    db.execute(text("UPDATE persons SET household_id = :e WHERE id = :p"),
               {"e": east, "p": person})
    assert weights(db) == {east: (1, {("disabled", "high", "infinity"): 1})}
    assert kept(db)[three_cells["east"]][2:4] == (1, 1)
    assert kept(db) == recounted(db)


def test_the_repair_rebuilds_the_weights(db, three_cells):
    household = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    assign_households(db, generation_id=three_cells["generation"])
    add_person(db, household_id=household, name="甲", id_number=make_id())
    db.execute(text("UPDATE household_weights SET residents = 9"))  # as if written with
    db.execute(text("INSERT INTO household_special_weights VALUES "  # triggers disabled
                    "(:h, 'disabled', 'high', 'infinity', 3)"), {"h": household})
    rollups.repair_generation(db, generation_id=three_cells["generation"])
    assert weights(db) == recounted_weights(db) == {household: (1, {})}


def test_downgrade_then_upgrade_backfills_the_weights(db, three_cells):
    writer = Writer(db, three_cells, seed=5)
    for _ in range(8):
        writer.import_household()
        writer.add_person()
        writer.add_special()
    writer.assign()
    # the migration's files as alembic runs them (no parameters: psycopg leaves %s alone)
    cursor = db.connection().connection.driver_connection.cursor()
    cursor.execute((SQL / "0032_rollup_weights_downgrade.sql").read_text())
    assert db.execute(text("SELECT to_regclass('household_weights')")).scalar() is None
    writer.add_person()  # the 0027 triggers keep the rollups without weights
    writer.move_person()
    cursor.execute((SQL / "0032_rollup_weights_upgrade.sql").read_text())
    assert weights(db) == recounted_weights(db)
    assert weights(db)
    writer.move_household()
    writer.add_special()
    assert weights(db) == recounted_weights(db)
    assert kept(db) == recounted(db)


def test_a_scoped_worker_keeps_the_weights_of_its_area_and_sees_no_others(db, three_cells,
                                                                          logins):
    """Under row-level security, as the service's app role: a worker of the west cell
    adds a person and a record there (the triggers write the weights as the worker); the
    weights are person data, so a worker of the east cell sees none of them."""
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    assign_households(db, generation_id=three_cells["generation"])
    worker = Principal(username="w", permissions=frozenset({"households:read"}),
                       cell_codes=(WEST_CODE,))
    rls.scope_session(db, worker, as_role=logins.names.app)
    person = add_person(db, household_id=west, name="甲", id_number=make_id())
    add_special(db, person_id=person, category="disabled", level="high")
    assert weights(db) == {west: (1, {("disabled", "high", "infinity"): 1})}
    assert kept(db)[three_cells["west"]][2:4] == (1, 1)
    rls.scope_session(db, Principal(username="e", permissions=frozenset({"households:read"}),
                                    cell_codes=(EAST_CODE,)), as_role=logins.names.app)
    assert weights(db) == {}


def test_a_household_deleted_by_a_scoped_worker_leaves_no_weights(db, three_cells, logins):
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    assign_households(db, generation_id=three_cells["generation"])
    person = add_person(db, household_id=west, name="甲", id_number=make_id())
    add_special(db, person_id=person, category="disabled", level="high")
    worker = Principal(username="w", permissions=frozenset({"households:read"}),
                       cell_codes=(WEST_CODE,))
    rls.scope_session(db, worker, as_role=logins.names.app)
    db.execute(text("DELETE FROM households WHERE id = :h"), {"h": west})
    db.execute(text("RESET ROLE"))  # back to the fixtures' superuser: every row
    db.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
    assert db.execute(text(
        "SELECT (SELECT count(*) FROM household_weights WHERE household_id = :h) "
        "+ (SELECT count(*) FROM household_special_weights WHERE household_id = :h)"),
        {"h": west}).scalar_one() == 0
    assert kept(db) == recounted(db)
