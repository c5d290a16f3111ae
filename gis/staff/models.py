"""ORM models of staff, staff roles and cell assignments (by stable cell code)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CHAR, BigInteger, Boolean, Date, DateTime, ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class StaffRole(Base):
    __tablename__ = "staff_roles"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_no: Mapped[str | None] = mapped_column(Text)  # 工号, unique when given
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class StaffAssignment(Base):
    __tablename__ = "staff_assignments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    cell_code: Mapped[str] = mapped_column(CHAR(15))
    role_code: Mapped[str] = mapped_column(ForeignKey("staff_roles.code"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    duty: Mapped[str | None] = mapped_column(Text)  # the duty schedule, as written locally


class PartyHousehold(Base):
    """A household a serving party member (or deputy) registered in a cell looks after."""

    __tablename__ = "party_households"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    cell_code: Mapped[str] = mapped_column(CHAR(15))  # the member's home cell
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
