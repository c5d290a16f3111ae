"""ORM models of incident categories, incidents and transitions."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class IncidentCategory(Base):
    __tablename__ = "incident_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incident_categories.id"))
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    time_limit_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    department: Mapped[str | None] = mapped_column(Text)
    triage: Mapped[str | None] = mapped_column(Text)
    working_time: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    open311_public: Mapped[bool] = mapped_column(Boolean, default=True)
    open311_attributes: Mapped[list] = mapped_column(JSONB, default=list)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("incident_categories.id"))
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    triage: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text, default="village")
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"))
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    external_ref: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    generation_id: Mapped[int | None] = mapped_column(ForeignKey("grid_generations.id"))
    cell_code: Mapped[str | None] = mapped_column(CHAR(15))
    village_code: Mapped[str | None] = mapped_column(CHAR(12))
    town_code: Mapped[str | None] = mapped_column(CHAR(12))
    district_code: Mapped[str | None] = mapped_column(CHAR(12))
    department: Mapped[str | None] = mapped_column(Text)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    address: Mapped[str | None] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(Text)
    yellow_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    light: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    evaluation: Mapped[int | None] = mapped_column(SmallInteger)
    open311_token: Mapped[str | None] = mapped_column(Text, unique=True)
    reporter: Mapped[dict] = mapped_column(JSONB, default=dict)
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict)


class IncidentTransition(Base):
    __tablename__ = "incident_transitions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
