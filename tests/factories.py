"""Tiny hand-drawn places for tests: a district, a town, a village, a generation and cells."""
from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import text
from sqlalchemy.orm import Session

DISTRICT = "500151000000"
TOWN = "500151001000"
VILLAGE = "500151001001"


def multi(geom: Polygon) -> str:
    return MultiPolygon([geom]).wkt


def add_region(session: Session, *, code: str, level: str, parent: str | None, geom) -> None:
    session.execute(text(
        "INSERT INTO regions (code, level, name, parent_code, geom) "
        "VALUES (:code, :level, :name, :parent, ST_GeomFromText(:wkt, 4326))"),
        {"code": code, "level": level, "name": f"{level} {code}", "parent": parent,
         "wkt": multi(geom)})


def add_generation(session: Session, *, status: str = "active", name: str = "g") -> int:
    return session.execute(text(
        "INSERT INTO grid_generations (name, status, effective_from) "
        "VALUES (:name, :status, DATE '2026-01-01') RETURNING id"),
        {"name": name, "status": status}).scalar_one()


def add_cell(session: Session, *, code: str, geom: Polygon, generation: int,
             village: str = VILLAGE) -> int:
    return session.execute(text(
        "INSERT INTO grid_cells (code, village_code, generation_low, geom) "
        "VALUES (:code, :village, :gen, ST_GeomFromText(:wkt, 4326)) RETURNING id"),
        {"code": code, "village": village, "gen": generation, "wkt": geom.wkt}).scalar_one()


@pytest.fixture()
def two_cells(db):
    """A 2x1-degree village split into two unit cells, west (…001) and east (…002)."""
    village = box(0, 0, 2, 1)
    add_region(db, code=DISTRICT, level="district", parent=None, geom=village)
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=village)
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=village)
    gen = add_generation(db)
    west = add_cell(db, code=VILLAGE + "001", geom=box(0, 0, 1, 1), generation=gen)
    east = add_cell(db, code=VILLAGE + "002", geom=box(1, 0, 2, 1), generation=gen)
    db.flush()
    return {"generation": gen, "west": west, "east": east}


# A household's own cell is a row of household_own_cells (migration 0023_own_placements).
PLACE_OWN = text("INSERT INTO household_own_cells (household_id, cell_id) VALUES (:h, :c) "
                 "ON CONFLICT (household_id) DO UPDATE SET cell_id = excluded.cell_id")
# A household placed in cell :c (none when :c is NULL) with address :a; returns its id.
ADD_OWN = text(
    "WITH h AS (INSERT INTO households (address, external_id, located_by) "
    "VALUES (:a, :e, :by) RETURNING id), "
    "placed AS (INSERT INTO household_own_cells (household_id, cell_id) "
    "SELECT id, CAST(:c AS bigint) FROM h WHERE CAST(:c AS bigint) IS NOT NULL) "
    "SELECT id FROM h")


def add_own_household(session: Session, *, cell_id: int | None, address: str | None = None,
                      external_id: str | None = None, located_by: str | None = None) -> int:
    """A household with a cell of its own (or unlocated when cell_id is None)."""
    return session.execute(ADD_OWN, {"a": address, "e": external_id, "by": located_by,
                                     "c": cell_id}).scalar_one()
