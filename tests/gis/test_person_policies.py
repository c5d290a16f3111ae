"""Who sees which persons and special-population records (migration 0030_person_policies).

Two towns of one district: the town 500151001000 has the cells W and E, the town
500151002000 the cell FAR. Each cell holds a household placed on its own and W and FAR
one placed by its building; one household is not placed at all and one person has no
household. Each person has one special-population record. As the service's app role with
row-level security, each caller sees exactly the people (and records) of their own area,
through the tables and through the services behind /persons and /special-populations;
moving a household (its own placement or its building) moves its people with it, from
the next statement on."""
from __future__ import annotations

import pytest
from shapely.geometry import box
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gis.auth import rls
from gis.auth.principal import Principal
from gis.grid.service import Page
from gis.people.persons import list_persons
from gis.people.special import list_special
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

OTHER_TOWN, OTHER_VILLAGE = "500151002000", "500151002001"
W, E, FAR = VILLAGE + "001", VILLAGE + "002", OTHER_VILLAGE + "001"
NO_FILTER = {"cell": None, "region": None, "category": None, "concern_level": None}


def add_building(db, *, code: str, cell_id: int) -> int:
    building = db.execute(text(
        "INSERT INTO buildings (code, address, geom) "
        "VALUES (:code, :code, ST_SetSRID(ST_MakePoint(0.5, 0.5), 4326)) RETURNING id"),
        {"code": code}).scalar_one()
    db.execute(text("INSERT INTO building_cells (building_id, cell_id) VALUES (:b, :c)"),
               {"b": building, "c": cell_id})
    return building


def add_household(db, name: str, *, own_cell: int | None = None,
                  building: int | None = None) -> int:
    household = db.execute(text(
        "INSERT INTO households (external_id, address, building_id, located_by) "
        "VALUES (:name, :name, :building, :by) RETURNING id"),
        {"name": name, "building": building,
         "by": "building" if building else ("coordinates" if own_cell else None)}
    ).scalar_one()
    if own_cell:
        db.execute(text("INSERT INTO household_own_cells (household_id, cell_id) "
                        "VALUES (:h, :c)"), {"h": household, "c": own_cell})
    return household


def add_person_with_record(db, name: str, household: int | None) -> int:
    person = db.execute(text(
        "INSERT INTO persons (household_id, name, residence) "
        "VALUES (:h, :name, 'registered') RETURNING id"), {"h": household, "name": name}
    ).scalar_one()
    db.execute(text("INSERT INTO special_population_records (person_id, category_code, "
                    "concern_level) VALUES (:p, 'key_youth', 'high')"), {"p": person})
    return person


@pytest.fixture()
def two_towns(db):
    """Cells W and E in one town, FAR in another; a person (and record) per household."""
    add_region(db, code=DISTRICT, level="district", parent=None, geom=box(0, 0, 3, 1))
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=box(0, 0, 2, 1))
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=box(0, 0, 2, 1))
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=box(2, 0, 3, 1))
    add_region(db, code=OTHER_VILLAGE, level="village", parent=OTHER_TOWN,
               geom=box(2, 0, 3, 1))
    generation = add_generation(db)
    cells = {W: add_cell(db, code=W, geom=box(0, 0, 1, 1), generation=generation),
             E: add_cell(db, code=E, geom=box(1, 0, 2, 1), generation=generation),
             FAR: add_cell(db, code=FAR, geom=box(2, 0, 3, 1), generation=generation,
                           village=OTHER_VILLAGE)}
    buildings = {W: add_building(db, code="BW", cell_id=cells[W]),
                 FAR: add_building(db, code="BFAR", cell_id=cells[FAR])}
    households = {
        "w own": add_household(db, "w own", own_cell=cells[W]),
        "e own": add_household(db, "e own", own_cell=cells[E]),
        "far own": add_household(db, "far own", own_cell=cells[FAR]),
        "w building": add_household(db, "w building", building=buildings[W]),
        "far building": add_household(db, "far building", building=buildings[FAR]),
        "nowhere": add_household(db, "nowhere"),
    }
    for name, household in households.items():
        add_person_with_record(db, name, household)
    add_person_with_record(db, "no household", None)
    db.flush()
    return {"cells": cells, "buildings": buildings, "households": households}


def town_manager(town: str = TOWN) -> Principal:
    return Principal(username=f"m{town}", permissions=frozenset({"*"}), everywhere=False,
                     region_codes=(town,))


def worker(*cells: str) -> Principal:
    return Principal(username="w", permissions=frozenset({"*"}), everywhere=False,
                     cell_codes=cells or (W,))


ADMIN = Principal(username="admin", permissions=frozenset({"*"}))
EVERYONE = {"w own", "e own", "far own", "w building", "far building", "nowhere",
            "no household"}
SEEN = {
    "town manager": (town_manager(), {"w own", "e own", "w building"}),
    "other town's manager": (town_manager(OTHER_TOWN), {"far own", "far building"}),
    "grid worker of W": (worker(W), {"w own", "w building"}),
    "grid worker of E": (worker(E), {"e own"}),
    "administrator": (ADMIN, EVERYONE),
}


def as_caller(db, logins, principal: Principal | None) -> None:
    rls.scope_session(db, principal, as_role=logins.names.app)


def persons_seen(db) -> set[str]:
    return set(db.execute(text("SELECT name FROM persons")).scalars())


def records_seen(db, two_towns) -> set[str]:
    """The names of the persons whose records the caller sees (names read as the fixture
    wrote them: the record's visibility alone, not the person's, is what is checked)."""
    person_ids = set(db.execute(text(
        "SELECT person_id FROM special_population_records")).scalars())
    return {name for name, person in two_towns["person_ids"].items() if person in person_ids}


@pytest.fixture()
def people(db, two_towns):
    two_towns["person_ids"] = dict(db.execute(text("SELECT name, id FROM persons")).all())
    return two_towns


@pytest.mark.parametrize("caller", list(SEEN))
def test_each_caller_sees_exactly_the_people_of_their_area(db, people, logins, caller):
    principal, expected = SEEN[caller]
    as_caller(db, logins, principal)
    assert persons_seen(db) == expected
    assert records_seen(db, people) == expected
    # the same through the services behind /persons and /special-populations
    listed = list_persons(db, principal=principal, reason="test", client=None,
                          page=Page(count=True))
    assert {p["name"] for p in listed["items"]} == expected
    assert listed["numberMatched"] == len(expected)
    records = list_special(db, principal=principal, reason="test", client=None, **NO_FILTER)
    assert {r["name"] for r in records["items"]} == expected


def test_a_caller_without_an_area_sees_no_one(db, people, logins):
    as_caller(db, logins, None)
    assert persons_seen(db) == set()
    assert records_seen(db, people) == set()


def test_moving_a_household_moves_its_people_between_areas(db, people, logins):
    cells, households = people["cells"], people["households"]
    as_caller(db, logins, town_manager())
    # within the town: W's household placed on its own moves to E, W's building too
    db.execute(text("UPDATE household_own_cells SET cell_id = :e WHERE household_id = :h"),
               {"e": cells[E], "h": households["w own"]})
    db.execute(text("UPDATE building_cells SET cell_id = :e WHERE building_id = :b"),
               {"e": cells[E], "b": people["buildings"][W]})
    assert persons_seen(db) == {"w own", "e own", "w building"}  # the town keeps them
    as_caller(db, logins, worker(W))
    assert persons_seen(db) == set() and records_seen(db, people) == set()
    as_caller(db, logins, worker(E))
    assert persons_seen(db) == {"w own", "e own", "w building"}
    assert records_seen(db, people) == {"w own", "e own", "w building"}

    # to the other town (a district-wide caller may move it there)
    as_caller(db, logins, town_manager(DISTRICT))
    db.execute(text("UPDATE household_own_cells SET cell_id = :far WHERE household_id = :h"),
               {"far": cells[FAR], "h": households["e own"]})
    as_caller(db, logins, town_manager())
    assert persons_seen(db) == {"w own", "w building"}
    assert records_seen(db, people) == {"w own", "w building"}
    as_caller(db, logins, town_manager(OTHER_TOWN))
    assert persons_seen(db) == {"e own", "far own", "far building"}
    assert records_seen(db, people) == {"e own", "far own", "far building"}


def test_a_person_moved_to_another_household_goes_with_it(db, people, logins):
    as_caller(db, logins, town_manager(DISTRICT))
    db.execute(text("UPDATE persons SET household_id = :far WHERE name = 'w own'"),
               {"far": people["households"]["far own"]})
    as_caller(db, logins, worker(W))
    assert persons_seen(db) == {"w building"}
    assert records_seen(db, people) == {"w building"}


def test_writes_stay_inside_the_area(db, people, logins):
    as_caller(db, logins, worker(W))
    add_person_with_record(db, "newborn", people["households"]["w own"])
    assert "newborn" in persons_seen(db)
    with pytest.raises(DBAPIError, match="row-level security"), db.begin_nested():
        db.execute(text("INSERT INTO persons (household_id, name) VALUES (:h, 'x')"),
                   {"h": people["households"]["far own"]})
    with pytest.raises(DBAPIError, match="row-level security"), db.begin_nested():
        db.execute(text("INSERT INTO special_population_records (person_id, "
                        "category_code, concern_level) VALUES (:p, 'key_youth', 'low')"),
                   {"p": people["person_ids"]["far own"]})
