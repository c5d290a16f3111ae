"""ORM model of the region hierarchy (12-digit statistical codes)."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import CHAR, Boolean, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(CHAR(12), unique=True)
    level: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(CHAR(12), ForeignKey("regions.code"))
    urban: Mapped[bool | None] = mapped_column(Boolean)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
                         nullable=False)
