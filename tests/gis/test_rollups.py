"""Rollups per cell and region stay current with assignments and redraws."""
from __future__ import annotations

from sqlalchemy import text

from gis.auth.principal import Principal, development_principal
from gis.people import rollups
from gis.people.assignment import assign_households, reassign_changed_area
from tests.factories import PLACE_OWN, TOWN, VILLAGE
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


def counts(db, generation: int) -> dict:
    return {code: (r["households"], r["residents"], r["special_total"])
            for code, r in by_code(rollups.cell_rollups(
                db, principal=ADMIN, generation_id=generation)).items()}


def test_every_write_keeps_rollups_current_without_a_refresh(db, three_cells):
    """Plain SQL writes (no service, no refresh call): the statement triggers keep count."""
    generation = three_cells["generation"]
    middle, west = populate(db)
    assign_households(db, generation_id=generation)
    assert counts(db, generation)[MIDDLE_CODE] == (1, 2, 1)
    db.execute(PLACE_OWN,
               {"c": three_cells["east"], "h": middle})  # moved by hand
    after_move = counts(db, generation)
    assert after_move[MIDDLE_CODE] == (0, 0, 0) and after_move[EAST_CODE] == (1, 2, 1)
    db.execute(text("UPDATE special_population_records SET end_date = DATE '2000-01-01'"))
    assert counts(db, generation)[EAST_CODE] == (1, 2, 0)  # a closed record stops counting
    db.execute(text("DELETE FROM persons WHERE household_id = :h"), {"h": west})
    assert counts(db, generation)[WEST_CODE] == (1, 0, 0)
    db.execute(text("DELETE FROM household_moves"))
    db.execute(text("DELETE FROM households WHERE id = :h"), {"h": west})
    assert counts(db, generation)[WEST_CODE] == (0, 0, 0)


def test_a_building_placed_elsewhere_moves_its_households_counts(db, three_cells):
    generation = three_cells["generation"]
    building = db.execute(text(
        "INSERT INTO buildings (code, address, geom) VALUES ('B1', 'b', "
        "ST_SetSRID(ST_MakePoint(106.005, :lat), 4326)) RETURNING id"), {"lat": MID_LAT}
    ).scalar_one()
    db.execute(text("INSERT INTO households (external_id, building_id, located_by) "
                    "VALUES ('in-b', :b, 'building')"), {"b": building})
    db.execute(text("INSERT INTO building_cells (building_id, cell_id) VALUES (:b, :c)"),
               {"b": building, "c": three_cells["west"]})
    assert counts(db, generation)[WEST_CODE][0] == 1
    db.execute(text("UPDATE building_cells SET cell_id = :c WHERE building_id = :b"),
               {"b": building, "c": three_cells["east"]})
    assert counts(db, generation)[WEST_CODE][0] == 0
    assert counts(db, generation)[EAST_CODE][0] == 1
