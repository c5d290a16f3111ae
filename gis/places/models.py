"""ORM models of electronic fences and cameras."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Float, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class Fence(Base):
    __tablename__ = "fences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)  # no_entry | stay_within
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
                         nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    direction_deg: Mapped[float | None] = mapped_column(Float(24))
    fov_deg: Mapped[float | None] = mapped_column(Float(24))
    range_m: Mapped[float | None] = mapped_column(Float(24))
