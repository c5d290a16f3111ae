"""Rollups per cell and region stay current with assignments and redraws."""
from __future__ import annotations

from gis.auth.principal import Principal, development_principal
from gis.people import rollups
from gis.people.assignment import assign_households, reassign_changed_area
from tests.factories import TOWN, VILLAGE
from tests.people_fixtures import (
    EAST_CODE,
    MIDDLE_CODE,
    NORTH,
    SOUTH,
    WEST_CODE,
    add_household,
    add_person,
    add_special,
    make_id,
)

MID_LAT = (SOUTH + NORTH) / 2
ADMIN = development_principal("admin")


def by_code(rows):
    return {r["code"]: r for r in rows}


def populate(db):
    middle = add_household(db, lon=106.017, lat=MID_LAT, external_id="m", members=3)
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    a = add_person(db, household_id=middle, name="甲", id_number=make_id(seq="111"))
    add_person(db, household_id=middle, name="乙", id_number=make_id(seq="222"))
    b = add_person(db, household_id=west, name="丙", id_number=make_id(seq="333"))
    add_special(db, person_id=a, category="community_correction", level="high")
    add_special(db, person_id=b, category="elderly_alone", level="low")
    return middle, west


def test_cell_rollups_count_households_residents_and_special_populations(db, three_cells):
    populate(db)
    assign_households(db, generation_id=three_cells["generation"])
    cells = by_code(rollups.cell_rollups(db, principal=ADMIN,
                                         generation_id=three_cells["generation"]))
    assert cells[MIDDLE_CODE]["households"] == 1
    assert cells[MIDDLE_CODE]["members"] == 3
    assert cells[MIDDLE_CODE]["residents"] == 2
    assert cells[MIDDLE_CODE]["special"] == {"community_correction": {"high": 1}}
    assert cells[WEST_CODE]["by_concern"] == {"low": 1}
    assert cells[EAST_CODE]["households"] == 0


def test_region_rollups_sum_their_cells(db, three_cells):
    populate(db)
    assign_households(db, generation_id=three_cells["generation"])
    towns = rollups.region_rollups(db, principal=ADMIN,
                                   generation_id=three_cells["generation"], level="town")
    assert [(t["code"], t["cells"], t["households"], t["residents"]) for t in towns] == [
        (TOWN, 3, 2, 3)]
    assert towns[0]["by_concern"] == {"high": 1, "low": 1}


def test_rollups_follow_a_redraw(db, three_cells, redrawn):
    populate(db)
    assign_households(db, generation_id=redrawn["old"])
    reassign_changed_area(db, old_generation_id=redrawn["old"], new_generation_id=redrawn["new"])
    cells = by_code(rollups.cell_rollups(db, principal=ADMIN, generation_id=redrawn["new"]))
    assert cells[MIDDLE_CODE]["households"] == 0
    assert cells[EAST_CODE]["residents"] == 2
    assert cells[EAST_CODE]["special"] == {"community_correction": {"high": 1}}


def test_scoped_principal_sees_only_its_cells(db, three_cells):
    populate(db)
    assign_households(db, generation_id=three_cells["generation"])
    worker = Principal(username="w", permissions=frozenset({"households:read"}),
                       cell_codes=(WEST_CODE,))
    rows = rollups.cell_rollups(db, principal=worker, generation_id=three_cells["generation"],
                                region=VILLAGE)
    assert [r["code"] for r in rows] == [WEST_CODE]
