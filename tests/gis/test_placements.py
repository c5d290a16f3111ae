"""Households located by a building are in the building's cell and move with it.

Buildings are placed in building_cells; a household located by its building has no cell
of its own (see migrations/sql/0006_placements_upgrade.sql)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from gis.auth.principal import Principal
from gis.people.assignment import assign_households, reassign_changed_area
from gis.people.households import list_households
from tests.people_fixtures import (
    EAST_CODE,
    MIDDLE_CODE,
    NORTH,
    SOUTH,
    WEST_CODE,
    add_household,
    cell_code_of,
)

MID_LAT = (SOUTH + NORTH) / 2
ADMIN = Principal(username="admin", roles=frozenset({"admin"}), everywhere=True)
MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "sql"


def add_building(db, *, lon: float, code: str = "B1") -> int:
    return db.execute(text(
        "INSERT INTO buildings (code, address, geom) VALUES (:c, :c || ' 号', "
        "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"),
        {"c": code, "lon": lon, "lat": MID_LAT}).scalar_one()


def add_resident(db, *, building: int, external_id: str, lon: float) -> int:
    """A household located by its building, with a point of its own at lon."""
    household = add_household(db, lon=lon, lat=MID_LAT, external_id=external_id)
    db.execute(text("UPDATE households SET building_id = :b, located_by = 'building' "
                    "WHERE id = :h"), {"b": building, "h": household})
    return household


def test_households_of_a_building_are_in_its_cell_whatever_their_own_point(db, three_cells):
    building = add_building(db, lon=106.015)  # middle cell
    first = add_resident(db, building=building, external_id="h1", lon=106.015)
    # Its own point lies in the west cell; the building decides, so one building's
    # households never straddle two cells.
    stray = add_resident(db, building=building, external_id="h2", lon=106.005)
    result = assign_households(db, generation_id=three_cells["generation"])
    assert result.buildings_changed == 1 and result.unlocated == 0
    assert cell_code_of(db, first) == cell_code_of(db, stray) == MIDDLE_CODE
    assert db.execute(text("SELECT households FROM cell_rollups WHERE cell_id = :c"),
                      {"c": three_cells["middle"]}).scalar_one() == 2


def test_a_redraw_moves_a_buildings_households_and_records_each_move(db, three_cells, redrawn):
    building = add_building(db, lon=106.017)  # middle before the redraw, east after
    homes = [add_resident(db, building=building, external_id=f"h{i}", lon=106.017)
             for i in range(3)]
    elsewhere = add_building(db, lon=106.005, code="B2")  # west: not in the changed area
    add_resident(db, building=elsewhere, external_id="w", lon=106.005)
    assign_households(db, generation_id=redrawn["old"])

    result = reassign_changed_area(db, old_generation_id=redrawn["old"],
                                   new_generation_id=redrawn["new"])

    assert result.buildings_considered == 1 and result.buildings_changed == 1
    assert result.moved == 3
    assert {cell_code_of(db, h) for h in homes} == {EAST_CODE}
    moves = db.execute(text(
        "SELECT m.household_id, f.code, t.code, m.generation_id FROM household_moves m "
        "JOIN grid_cells f ON f.id = m.from_cell_id JOIN grid_cells t ON t.id = m.to_cell_id "
        "ORDER BY m.household_id")).all()
    assert [tuple(m) for m in moves] == [(h, MIDDLE_CODE, EAST_CODE, redrawn["new"])
                                         for h in homes]
    rollups = dict(db.execute(text("SELECT cell_id, households FROM cell_rollups")).all())
    assert rollups[redrawn["east"]] == 3


def test_a_second_bulk_assignment_writes_nothing(db, three_cells):
    building = add_building(db, lon=106.025)
    add_resident(db, building=building, external_id="e", lon=106.025)
    add_household(db, lon=106.005, lat=MID_LAT, external_id="own")  # by coordinates
    first = assign_households(db, generation_id=three_cells["generation"])
    again = assign_households(db, generation_id=three_cells["generation"])
    assert (first.buildings_changed, first.changed) == (1, 1)
    assert (again.buildings_changed, again.changed, again.moved) == (0, 0, 0)
    assert again.buildings_considered == 1 and again.considered == 1


def test_households_of_a_building_outside_every_cell_wait_in_the_unlocated_queue(
        db, three_cells):
    outside = add_building(db, lon=106.09)
    home = add_resident(db, building=outside, external_id="far", lon=106.09)
    result = assign_households(db, generation_id=three_cells["generation"])
    assert result.unlocated == 1
    queue = list_households(db, principal=ADMIN, unlocated=True)["items"]
    assert [h["id"] for h in queue] == [home]
    assert queue[0]["cell_id"] is None
    assert f"building {outside} is outside every cell" in queue[0]["unlocated_reason"]


def test_migrations_0006_and_0023_down_and_up_keep_every_placement(db, three_cells):
    building = add_building(db, lon=106.025)
    by_building = add_resident(db, building=building, external_id="b", lon=106.025)
    by_point = add_household(db, lon=106.005, lat=MID_LAT, external_id="p")
    assign_households(db, generation_id=three_cells["generation"])
    db.flush()
    # 0032_rollup_weights' policies use 0012_speed's scope function, and 0023_own_placements
    # and 0012_speed's rollup triggers read household_cells: peeled off first, put back last
    db.execute(text((MIGRATION / "0032_rollup_weights_downgrade.sql").read_text()))
    db.execute(text((MIGRATION / "0023_own_placements_downgrade.sql").read_text()))
    own_before = db.execute(text("SELECT own_cell_id FROM households WHERE id = :h"),
                            {"h": by_point}).scalar_one()
    assert own_before == three_cells["west"]
    db.execute(text((MIGRATION / "0012_speed_downgrade.sql").read_text()))
    db.execute(text((MIGRATION / "0006_placements_downgrade.sql").read_text()))
    before = dict(db.execute(text(
        "SELECT h.id, c.code FROM households h JOIN grid_cells c ON c.id = h.cell_id")).all())
    assert before == {by_building: EAST_CODE, by_point: WEST_CODE}
    assert db.execute(text("SELECT c.code FROM buildings b JOIN grid_cells c "
                           "ON c.id = b.cell_id")).scalar_one() == EAST_CODE
    db.execute(text((MIGRATION / "0006_placements_upgrade.sql").read_text()))
    db.execute(text((MIGRATION / "0012_speed_upgrade.sql").read_text()))
    db.execute(text((MIGRATION / "0023_own_placements_upgrade.sql").read_text()))
    db.execute(text((MIGRATION / "0032_rollup_weights_upgrade.sql").read_text()))
    assert cell_code_of(db, by_building) == EAST_CODE
    assert cell_code_of(db, by_point) == WEST_CODE
    own = db.execute(text("SELECT cell_id FROM household_own_cells WHERE household_id = :h"),
                     {"h": by_building}).scalar_one_or_none()
    assert own is None  # located by its building again, not by a copy of its cell
