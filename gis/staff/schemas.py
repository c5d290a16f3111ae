"""Pydantic schemas of the roster: staff in, assignments in, changes."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gis.reference import STAFF_ROLES
from gis.text_guard import clean_text

ROLE_CODES = tuple(code for code, _, _ in STAFF_ROLES)
CELL_CODE = r"^[0-9]{15}$"
PHONE = r"^\+?[0-9][0-9 -]{4,19}$"


def _clean(value: str | None, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    return clean_text(value, where=field, max_length=max_length, multiline=False) or None


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cell_code: str = Field(pattern=CELL_CODE)
    role: str = Field(description=f"one of {', '.join(ROLE_CODES)}")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    duty: str | None = Field(None, max_length=200, description="duty schedule (值班安排)")

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLE_CODES:
            raise ValueError(f"role must be one of {', '.join(ROLE_CODES)}")
        return value

    @field_validator("duty")
    @classmethod
    def _duty(cls, value: str | None) -> str | None:
        return _clean(value, "duty", 200)


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    staff_no: str | None = Field(None, min_length=1, max_length=40)
    phone: str | None = Field(None, pattern=PHONE)
    party_member: bool = False
    assignments: list[AssignmentIn] = Field(default_factory=list, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _clean(value, "name", 100)


class StaffUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=PHONE)
    party_member: bool | None = None
    active: bool | None = None
    add_assignments: list[AssignmentIn] = Field(default_factory=list, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return _clean(value, "name", 100)


class AssignmentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_to: dt.date | None = Field(None, description="last day (default: today)")
