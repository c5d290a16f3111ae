"""Households placed on their own are rows of household_own_cells (0023_own_placements):
written only when the placement changes, never beside a building, gone with the household."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gis.auth import rls
from gis.auth.principal import Principal
from gis.people.assignment import assign_households
from gis.people.households import fix_location
from gis.people.schemas import Located
from tests.factories import PLACE_OWN
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
ROW_VERSIONS = text("SELECT (SELECT xmin::text FROM households WHERE id = :h), "
                    "(SELECT xmin::text FROM household_own_cells WHERE household_id = :h)")


def households_counted(db, cell_id: int) -> int:
    return db.execute(text("SELECT households FROM cell_rollups WHERE cell_id = :c"),
                      {"c": cell_id}).scalar_one()


def add_resident(db, *, lon: float, external_id: str) -> int:
    """A household located by the building B1 at lon (placed in the building's cell)."""
    building = db.execute(text(
        "INSERT INTO buildings (code, address, geom) VALUES ('B1', 'B1 号', "
        "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"),
        {"lon": lon, "lat": MID_LAT}).scalar_one()
    household = add_household(db, lon=lon, lat=MID_LAT, external_id=external_id)
    db.execute(text("UPDATE households SET building_id = :b, located_by = 'building' "
                    "WHERE id = :h"), {"b": building, "h": household})
    return household


def test_a_second_bulk_run_writes_no_row(db, three_cells):
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w")
    first = assign_households(db, generation_id=three_cells["generation"])
    assert first.changed == 1 and cell_code_of(db, west) == WEST_CODE
    before = db.execute(ROW_VERSIONS, {"h": west}).one()
    again = assign_households(db, generation_id=three_cells["generation"])
    assert again.changed == 0 and again.moved == 0
    assert db.execute(ROW_VERSIONS, {"h": west}).one() == before  # neither row rewritten


def test_a_moved_point_moves_the_placement_not_the_household_row(db, three_cells):
    home = add_household(db, lon=106.005, lat=MID_LAT, external_id="h")
    assign_households(db, generation_id=three_cells["generation"])
    db.execute(text("UPDATE households SET geom = ST_SetSRID(ST_MakePoint(106.025, :lat), "
                    "4326) WHERE id = :h"), {"h": home, "lat": MID_LAT})
    household_row = db.execute(ROW_VERSIONS, {"h": home}).one()[0]
    result = assign_households(db, generation_id=three_cells["generation"])
    assert result.moved == 1 and cell_code_of(db, home) == EAST_CODE
    assert db.execute(ROW_VERSIONS, {"h": home}).one()[0] == household_row
    assert households_counted(db, three_cells["west"]) == 0
    assert households_counted(db, three_cells["east"]) == 1


def test_a_household_located_by_its_building_cannot_have_a_cell_of_its_own(db, three_cells):
    resident = add_resident(db, lon=106.015, external_id="r")
    assign_households(db, generation_id=three_cells["generation"])
    with pytest.raises(IntegrityError, match="located by its building"), db.begin_nested():
        db.execute(PLACE_OWN, {"h": resident, "c": three_cells["west"]})
    assert cell_code_of(db, resident) == MIDDLE_CODE  # one placement, its building's


def test_a_placed_household_cannot_become_located_by_a_building_keeping_its_cell(
        db, three_cells):
    building = add_resident(db, lon=106.015, external_id="r")
    own = add_household(db, lon=106.005, lat=MID_LAT, external_id="o")
    assign_households(db, generation_id=three_cells["generation"])
    building_id = db.scalar(text("SELECT building_id FROM households WHERE id = :h"),
                            {"h": building})
    with pytest.raises(IntegrityError, match="located by its building"), db.begin_nested():
        db.execute(text("UPDATE households SET building_id = :b, located_by = 'building' "
                        "WHERE id = :h"), {"b": building_id, "h": own})


def test_a_deleted_household_leaves_no_placement_and_no_count(db, three_cells):
    home = add_household(db, lon=106.005, lat=MID_LAT, external_id="h")
    assign_households(db, generation_id=three_cells["generation"])
    assert households_counted(db, three_cells["west"]) == 1
    db.execute(text("DELETE FROM households WHERE id = :h"), {"h": home})
    assert db.scalar(text("SELECT count(*) FROM household_own_cells")) == 0
    assert households_counted(db, three_cells["west"]) == 0


def test_a_worker_places_a_building_household_by_hand_in_the_area(db, three_cells, logins):
    """Located by its building -> placed by hand: two writes, each allowed to a caller
    whose area holds the building's cell and the chosen cell."""
    resident = add_resident(db, lon=106.015, external_id="r")
    assign_households(db, generation_id=three_cells["generation"])
    worker = Principal(username="w", roles=frozenset({"grid_worker"}), everywhere=False,
                       cell_codes=(MIDDLE_CODE, WEST_CODE))
    rls.scope_session(db, worker, as_role=logins.names.app)
    moved = fix_location(db, principal=worker, household_id=resident,
                         location=Located(cell_code=WEST_CODE))
    assert moved["cell_code"] == WEST_CODE and moved["located_by"] == "manual"
    assert households_counted(db, three_cells["middle"]) == 0
    assert households_counted(db, three_cells["west"]) == 1


def test_a_bulk_run_as_the_service_places_as_the_owner_does(db, three_cells, logins):
    """Under row-level security the points are staged first (the policy hides the GiST
    index from the join): same cells, the lowest code on a shared edge."""
    on_edge = add_household(db, lon=106.01, lat=MID_LAT, external_id="edge")
    east = add_household(db, lon=106.025, lat=MID_LAT, external_id="e")
    outside = add_household(db, lon=107.0, lat=MID_LAT, external_id="x")
    admin = Principal(username="a", roles=frozenset({"admin"}), everywhere=True)
    rls.scope_session(db, admin, as_role=logins.names.app)
    assert db.scalar(text("SELECT row_security_active('households')"))
    result = assign_households(db, generation_id=three_cells["generation"])
    assert result.unlocated == 1
    assert cell_code_of(db, on_edge) == WEST_CODE and cell_code_of(db, east) == EAST_CODE
    assert cell_code_of(db, outside) is None


def test_a_worker_gives_a_building_household_coordinates_in_the_area(db, three_cells, logins):
    resident = add_resident(db, lon=106.015, external_id="r")
    assign_households(db, generation_id=three_cells["generation"])
    worker = Principal(username="w", roles=frozenset({"grid_worker"}), everywhere=False,
                       cell_codes=(MIDDLE_CODE, EAST_CODE))
    rls.scope_session(db, worker, as_role=logins.names.app)
    moved = fix_location(db, principal=worker, household_id=resident,
                         location=Located(lon=106.025, lat=MID_LAT))
    assert moved["cell_code"] == EAST_CODE and moved["located_by"] == "coordinates"
    moves = db.execute(text("SELECT count(*) FROM household_moves WHERE household_id = :h"),
                       {"h": resident}).scalar_one()
    assert moves == 1
