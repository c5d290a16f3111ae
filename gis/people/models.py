"""ORM models of buildings, households (and their moves), persons, special populations."""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    CHAR,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class Building(Base):
    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str | None] = mapped_column(Text, unique=True)
    address: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    floors: Mapped[int | None] = mapped_column(SmallInteger)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False)


class BuildingCell(Base):
    """The cell a building is placed in (narrow, so a bulk assignment rewrites it fast).

    No foreign keys, on purpose: see migrations/sql/0006_placements_upgrade.sql."""

    __tablename__ = "building_cells"

    building_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cell_id: Mapped[int] = mapped_column(BigInteger)


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(Text, unique=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    address: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    located_by: Mapped[str | None] = mapped_column(Text)
    unlocated_reason: Mapped[str | None] = mapped_column(Text)
    members: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class HouseholdOwnCell(Base):
    """The cell of a household placed on its own (located_by 'coordinates' or 'manual');
    one located by its building is in the building's cell. Read HouseholdCell for either.

    Narrow and without foreign keys, like BuildingCell: see
    migrations/sql/0023_own_placements_upgrade.sql."""

    __tablename__ = "household_own_cells"

    household_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cell_id: Mapped[int] = mapped_column(BigInteger)


class HouseholdCell(Base):
    """The view household_cells: the cell of every placed household, however placed.

    Read-only. Unlocated households have no row, so join it with an outer join."""

    __tablename__ = "household_cells"
    __table_args__ = {"info": {"is_view": True}}

    household_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cell_id: Mapped[int] = mapped_column(BigInteger)


def placement_of(household_id_column):
    """The cell of one household, as a LATERAL subquery (column cell_id) to outer-join.

    For reads of a few rows found by their own key (a person, a record): the outer
    household id then reaches the view household_cells as a parameter of each branch, one
    index probe each. A plain join on it would make PostgreSQL read the whole view."""
    from sqlalchemy import select

    # LIMIT 1 (a household has at most one placement) also keeps PostgreSQL from pulling
    # the subquery up into a plain join, which would undo the point.
    return (select(HouseholdCell.cell_id.label("cell_id"))
            .where(HouseholdCell.household_id == household_id_column)
            .limit(1).lateral("placement"))


class HouseholdMove(Base):
    __tablename__ = "household_moves"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    from_cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"))
    to_cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"))
    generation_id: Mapped[int | None] = mapped_column(ForeignKey("grid_generations.id"))
    moved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    reason: Mapped[str | None] = mapped_column(Text)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(CHAR(1))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    id_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_masked: Mapped[str | None] = mapped_column(Text)
    id_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone: Mapped[str | None] = mapped_column(Text)
    residence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class SpecialPopulationCategory(Base):
    __tablename__ = "special_population_categories"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("special_population_categories.code"))
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class SpecialPopulationRecord(Base):
    __tablename__ = "special_population_records"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    category_code: Mapped[str] = mapped_column(ForeignKey("special_population_categories.code"))
    concern_level: Mapped[str] = mapped_column(Text)
    danger_level: Mapped[int | None] = mapped_column(SmallInteger)
    helper_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    visit_interval_days: Mapped[int | None] = mapped_column(Integer)
    last_visited_on: Mapped[dt.date | None] = mapped_column(Date)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
