"""Households to cells: shared edges, the unlocated queue, incremental re-assignment."""
from __future__ import annotations

from sqlalchemy import text

from gis.grid.locate_async import PointQuery, locate_point_sync
from gis.people.assignment import assign_households, reassign_changed_area
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
WEST_STATE = text("SELECT oc.cell_id, h.updated_at FROM households AS h "
                  "LEFT JOIN household_own_cells AS oc ON oc.household_id = h.id "
                  "WHERE h.id = :id")


def test_household_on_shared_edge_goes_to_the_same_cell_every_time(db, three_cells):
    gen = three_cells["generation"]
    on_edge = add_household(db, lon=106.01, lat=MID_LAT, external_id="edge")
    for _ in range(3):
        assign_households(db, generation_id=gen)
        assert cell_code_of(db, on_edge) == WEST_CODE
    # The point lookup of /locate resolves the same point the same way.
    found = locate_point_sync(db, PointQuery(lon=106.01, lat=MID_LAT, generation_id=gen))
    assert found["cell"]["code"] == WEST_CODE


def test_household_outside_every_cell_is_unlocated_with_a_reason(db, three_cells):
    outside = add_household(db, lon=106.05, lat=MID_LAT, external_id="far")
    inside = add_household(db, lon=106.025, lat=MID_LAT, external_id="in")
    result = assign_households(db, generation_id=three_cells["generation"])
    assert result.unlocated == 1
    row = db.execute(text("SELECT oc.cell_id, h.unlocated_reason FROM households AS h "
                          "LEFT JOIN household_own_cells AS oc ON oc.household_id = h.id "
                          "WHERE h.id = :id"),
                     {"id": outside}).one()
    assert row.cell_id is None
    assert "outside every cell" in row.unlocated_reason
    assert cell_code_of(db, inside) == EAST_CODE


def test_redraw_moves_only_households_in_the_changed_area(db, three_cells, redrawn):
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w")
    crossing = add_household(db, lon=106.017, lat=MID_LAT, external_id="x")  # middle -> east
    stays_east = add_household(db, lon=106.025, lat=MID_LAT, external_id="e")
    assign_households(db, generation_id=redrawn["old"])
    assert cell_code_of(db, crossing) == MIDDLE_CODE
    west_before = db.execute(WEST_STATE, {"id": west}).one()

    result = reassign_changed_area(db, old_generation_id=redrawn["old"],
                                   new_generation_id=redrawn["new"])

    assert result.considered == 2  # the west household was never looked at
    assert result.moved == 1
    assert cell_code_of(db, crossing) == EAST_CODE
    assert cell_code_of(db, stays_east) == EAST_CODE
    assert db.execute(WEST_STATE, {"id": west}).one() == west_before
    moves = db.execute(text(
        "SELECT m.household_id, f.code AS from_code, t.code AS to_code, m.generation_id "
        "FROM household_moves m JOIN grid_cells f ON f.id = m.from_cell_id "
        "JOIN grid_cells t ON t.id = m.to_cell_id ORDER BY m.household_id")).all()
    assert [(m.household_id, m.from_code, m.to_code) for m in moves] == [
        (crossing, MIDDLE_CODE, EAST_CODE), (stays_east, EAST_CODE, EAST_CODE)]
    assert {m.generation_id for m in moves} == {redrawn["new"]}
    assert not any(m.household_id == west for m in moves)


def test_bulk_assignment_is_stable_when_nothing_changed(db, three_cells):
    add_household(db, lon=106.015, lat=MID_LAT, external_id="m")
    gen = three_cells["generation"]
    assert assign_households(db, generation_id=gen).changed == 1
    again = assign_households(db, generation_id=gen)
    assert again.changed == 0 and again.moved == 0
