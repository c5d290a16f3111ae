"""ORM models of generations, cells, their edit history and their subdivided lookup pieces."""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import FetchedValue

from gis.db import Base


class Generation(Base):
    __tablename__ = "grid_generations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(Text)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # Counts the changes to the generation (cell edits of a draft, activation): its ETag.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(Text)


class Cell(Base):
    __tablename__ = "grid_cells"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(CHAR(15))
    village_code: Mapped[str] = mapped_column(CHAR(12), ForeignKey("regions.code"))
    name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, default="base")
    dedicated_type: Mapped[str | None] = mapped_column(Text)
    generation_low: Mapped[int] = mapped_column(ForeignKey("grid_generations.id"))
    generation_high: Mapped[int | None] = mapped_column(ForeignKey("grid_generations.id"))
    geom = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False)
    area_m2: Mapped[float] = mapped_column(Double, Computed("ST_Area(geom::geography)"))
    # From one sequence (a database default): a new row never reuses a version (its ETag).
    version: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())


class CellEdit(Base):
    """One edit of a code in a draft: who, when, and which version replaced which."""

    __tablename__ = "grid_cell_edits"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    generation_id: Mapped[int] = mapped_column(
        ForeignKey("grid_generations.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(CHAR(15))
    action: Mapped[str] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(BigInteger)
    base_version: Mapped[int | None] = mapped_column(BigInteger)
    edited_by: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=FetchedValue())
    op_id: Mapped[int | None] = mapped_column(ForeignKey("grid_edit_ops.id", ondelete="CASCADE"))


class EditOp(Base):
    """One edit a planner made to a draft (the editor's history): what, who, why, undo data."""

    __tablename__ = "grid_edit_ops"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    generation_id: Mapped[int] = mapped_column(
        ForeignKey("grid_generations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    author: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                            server_default=FetchedValue())
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    before_cells: Mapped[dict | None] = mapped_column(JSONB)
    after_cells: Mapped[dict | None] = mapped_column(JSONB)


class CellPiece(Base):
    __tablename__ = "grid_cell_pieces"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cells.id", ondelete="CASCADE"))
    geom = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False)
