"""Tiny hand-drawn places and people for the people tests: three cells in a row near 106E.

The cells sit inside China so that imports pass the declared-CRS checks:
west 106.00-106.01, middle 106.01-106.02, east 106.02-106.03 (all 29.80-29.81)."""
from __future__ import annotations

import pytest
from shapely.geometry import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.people.idnumbers import IdProtector, check_char
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

TEST_SECRET = "test-secret-key-not-for-production"  # the `settings` fixture's key
SOUTH, NORTH = 29.80, 29.81
WEST_CODE, MIDDLE_CODE, EAST_CODE = VILLAGE + "001", VILLAGE + "002", VILLAGE + "003"


def make_id(prefix: str = "500151", birth: str = "19800101", seq: str = "123") -> str:
    """A valid 18-digit ID number (odd seq digit = man)."""
    first17 = prefix + birth + seq
    return first17 + check_char(first17)


def add_household(session: Session, *, lon: float | None, lat: float | None,
                  external_id: str, address: str | None = None, members: int = 1) -> int:
    return session.execute(text(
        "INSERT INTO households (external_id, address, members, geom) VALUES (:ext, :addr, :m,"
        " CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL"
        " ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END) RETURNING id"),
        {"ext": external_id, "addr": address or f"地址 {external_id}", "m": members,
         "lon": lon, "lat": lat}).scalar_one()


def add_person(session: Session, *, household_id: int | None, name: str, id_number: str,
               phone: str | None = "13812341234") -> int:
    protected = IdProtector(TEST_SECRET).protect(id_number)
    return session.execute(text(
        "INSERT INTO persons (household_id, name, id_hash, id_cipher, id_masked, phone,"
        " residence) VALUES (:hh, :name, :id_hash, :id_cipher, :id_masked, :phone,"
        " 'registered') RETURNING id"),
        {"hh": household_id, "name": name, "phone": phone, **protected}).scalar_one()


def add_special(session: Session, *, person_id: int, category: str, level: str) -> int:
    return session.execute(text(
        "INSERT INTO special_population_records (person_id, category_code, concern_level)"
        " VALUES (:p, :c, :l) RETURNING id"), {"p": person_id, "c": category, "l": level}
    ).scalar_one()


def cell_code_of(session: Session, household_id: int) -> str | None:
    return session.execute(text(
        "SELECT c.code FROM households h LEFT JOIN household_cells hc ON hc.household_id = h.id "
        "LEFT JOIN grid_cells c ON c.id = hc.cell_id "
        "WHERE h.id = :id"), {"id": household_id}).scalar_one()


@pytest.fixture()
def three_cells(db):
    """A village near 106E split into three 0.01-degree cells, in an active generation."""
    village = box(106.00, SOUTH, 106.03, NORTH)
    add_region(db, code=DISTRICT, level="district", parent=None, geom=village)
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=village)
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=village)
    gen = add_generation(db)
    cells = {"generation": gen}
    for key, code, west in (("west", WEST_CODE, 106.00), ("middle", MIDDLE_CODE, 106.01),
                            ("east", EAST_CODE, 106.02)):
        cells[key] = add_cell(db, code=code, geom=box(west, SOUTH, west + 0.01, NORTH),
                              generation=gen)
    db.flush()
    return cells


@pytest.fixture()
def redrawn(db, three_cells):
    """A draft generation in which the middle/east edge moves west from 106.02 to 106.015.

    The west cell is the same row in both generations; middle and east get new rows."""
    old, new = three_cells["generation"], add_generation(db, status="draft", name="g2")
    db.execute(text("UPDATE grid_cells SET generation_high = :old WHERE id IN (:m, :e)"),
               {"old": old, "m": three_cells["middle"], "e": three_cells["east"]})
    middle = add_cell(db, code=MIDDLE_CODE, geom=box(106.01, SOUTH, 106.015, NORTH),
                      generation=new)
    east = add_cell(db, code=EAST_CODE, geom=box(106.015, SOUTH, 106.03, NORTH), generation=new)
    db.flush()
    return {"old": old, "new": new, "middle": middle, "east": east}
