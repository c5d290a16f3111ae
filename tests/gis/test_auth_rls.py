"""Row-level security: with the app role set, queries WITHOUT any WHERE clause only see
rows inside the caller's area (households, persons, special populations, incidents)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from gis.auth import rls
from gis.auth.principal import Principal
from tests.factories import DISTRICT, TOWN, VILLAGE, add_own_household

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
TABLES = ("households", "persons", "special_population_records", "incidents")


APP = "onegrid_app"  # the test database's app role; set from the logins fixture below


@pytest.fixture(autouse=True)
def _app_role(logins):
    global APP
    APP = logins.names.app


def count(db, table: str) -> int:
    return db.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # constant names


@pytest.fixture()
def people(db, two_cells):
    """One household, person, special-population record and incident in each cell.

    The west household has a cell of its own; the east one is located by its building,
    so every policy is checked for both kinds of placement."""
    category = db.execute(text("SELECT id FROM incident_categories LIMIT 1")).scalar()
    building = db.execute(text(
        "INSERT INTO buildings (address, geom) VALUES ('east building', "
        "ST_SetSRID(ST_MakePoint(1.5, 0.5), 4326)) RETURNING id")).scalar()
    db.execute(text("INSERT INTO building_cells (building_id, cell_id) VALUES (:b, :c)"),
               {"b": building, "c": two_cells["east"]})
    for side in ("west", "east"):
        household = add_own_household(
            db, cell_id=two_cells[side] if side == "west" else None, address=f"{side} 1")
        if side == "east":
            db.execute(text("UPDATE households SET building_id = :b, located_by = 'building' "
                            "WHERE id = :h"), {"b": building, "h": household})
        person = db.execute(text(
            "INSERT INTO persons (household_id, name) VALUES (:h, :n) RETURNING id"),
            {"h": household, "n": f"{side} person"}).scalar()
        db.execute(text("INSERT INTO special_population_records (person_id, category_code, "
                        "concern_level) VALUES (:p, 'elderly_alone', 'low')"), {"p": person})
        db.execute(text("INSERT INTO incidents (code, category_id, source, status, title, "
                        "cell_id) VALUES (:code, :cat, 'patrol', 'reported', 't', :c)"),
                   {"code": f"rls-{side}", "cat": category, "c": two_cells[side]})
    # Unlocated rows: only unrestricted callers may see them.
    db.execute(text("INSERT INTO households (address) VALUES ('nowhere')"))
    db.flush()
    return two_cells


def scoped(db, principal):
    rls.scope_session(db, principal, as_role=APP)
    return {table: count(db, table) for table in TABLES}


def worker(**area) -> Principal:
    return Principal(username="w", roles=frozenset({"grid_worker"}), everywhere=False, **area)


def test_superuser_test_session_sees_everything(db, people):
    assert {t: count(db, t) for t in TABLES} == {"households": 3, "persons": 2,
                                                 "special_population_records": 2,
                                                 "incidents": 2}


def test_cell_scope_sees_only_its_cell_without_any_filter(db, people):
    seen = scoped(db, worker(cell_codes=(WEST,)))
    assert seen == dict.fromkeys(TABLES, 1)
    assert db.execute(text("SELECT address FROM households")).scalars().all() == ["west 1"]
    assert db.execute(text("SELECT current_user")).scalar() == APP


@pytest.mark.parametrize("area", [{"region_codes": (TOWN,)}, {"region_codes": (DISTRICT,)},
                                  {"region_codes": (VILLAGE,)},
                                  {"cell_codes": (WEST, EAST)}])
def test_region_subtree_scopes_see_both_cells(db, people, area):
    assert scoped(db, worker(**area)) == {"households": 2, "persons": 2,
                                          "special_population_records": 2, "incidents": 2}


def test_other_town_unknown_caller_and_no_area_see_nothing(db, people):
    assert scoped(db, worker(region_codes=("500151002000",))) == dict.fromkeys(TABLES, 0)
    assert scoped(db, worker()) == dict.fromkeys(TABLES, 0)
    assert scoped(db, None) == dict.fromkeys(TABLES, 0)


def test_unrestricted_caller_sees_everything_including_unlocated(db, people):
    admin = Principal(username="a", roles=frozenset({"admin"}), permissions=frozenset({"*"}))
    assert scoped(db, admin)["households"] == 3


def test_scope_follows_the_caller_into_later_transactions(db, people):
    scoped(db, worker(cell_codes=(EAST,)))
    db.commit()  # releases the test's savepoint; a new one begins on the next query
    assert db.execute(text("SELECT address FROM households")).scalars().all() == ["east 1"]


def test_writes_outside_the_area_are_refused(db, people):
    scoped(db, worker(cell_codes=(WEST,)))
    with pytest.raises(ProgrammingError, match="row-level security"):
        db.execute(text("INSERT INTO household_own_cells (household_id, cell_id) "
                        "VALUES (nextval('households_id_seq'), :c)"), {"c": people["east"]})


def test_a_household_not_placed_in_the_area_is_refused(db, people):
    scoped(db, worker(cell_codes=(WEST,)))
    with pytest.raises(ProgrammingError, match="row-level security"):
        db.execute(text("INSERT INTO households (address) VALUES ('sneaky')"))


def test_updates_cannot_reach_rows_outside_the_area(db, people):
    scoped(db, worker(cell_codes=(WEST,)))
    changed = db.execute(text("UPDATE households SET address = 'x'")).rowcount
    assert changed == 1


def test_no_household_can_be_located_by_a_building_outside_the_area(db, people):
    east_building = db.execute(text(
        "SELECT id FROM buildings WHERE address = 'east building'")).scalar_one()
    scoped(db, worker(cell_codes=(WEST,)))
    with pytest.raises(ProgrammingError, match="row-level security"):
        db.execute(text("INSERT INTO households (building_id, located_by, address) "
                        "VALUES (:b, 'building', 'sneaky')"), {"b": east_building})
