"""ORM models of departmental grid layers and their cells (before the merge)."""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class LegacyLayer(Base):
    __tablename__ = "legacy_layers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    imported_by: Mapped[str | None] = mapped_column(Text)
    crs_label: Mapped[str] = mapped_column(Text)
    feature_count: Mapped[int] = mapped_column(Integer)


class LegacyCell(Base):
    __tablename__ = "legacy_cells"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("legacy_layers.id", ondelete="CASCADE"))
    source_code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
                         nullable=False)
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict)
