"""Staffing standards as configuration: a TOML file validated (pydantic) when loaded."""
from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gis.errors import InvalidInput
from gis.reference import STAFF_ROLES

SHIPPED = Path(__file__).resolve().parent / "standards.toml"
ROLE_CODES = frozenset(code for code, _, _ in STAFF_ROLES)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True


class MinPerCell(_Rule):
    min_per_cell: int = Field(ge=0, le=100)


class MaxHouseholds(_Rule):
    max_households: int = Field(gt=0, le=100_000)


class Helper(_Rule):
    pass


class Visit(_Rule):
    within_days: int = Field(gt=0, le=3660)


class _Roles(_Rule):
    roles: tuple[str, ...] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _known(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(roles) - ROLE_CODES)
        if unknown:
            raise ValueError(f"unknown roles {unknown}; known: {sorted(ROLE_CODES)}")
        return roles


class PartyMember(_Roles):
    min_households: int = Field(ge=0, le=100_000)


class OneTown(_Roles):
    pass


class Trends(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    months: int = Field(ge=1, le=120)


class PartyHouseholds(_Rule):
    max_households: int = Field(default=20, gt=0, le=100_000)


class Workload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=90, ge=1, le=3660)


class Standards(BaseModel):
    """Every rule the audit checks, with its numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grid_head: MinPerCell
    fulltime_worker: MinPerCell
    households_per_fulltime: MaxHouseholds
    high_concern_helper: Helper
    high_concern_visit: Visit
    party_member: PartyMember
    one_town_per_worker: OneTown
    trends: Trends
    # Optional for files written before it: as shipped when missing.
    households_per_party_member: PartyHouseholds = PartyHouseholds()
    # A standards file written before workload existed still loads (the default window).
    workload: Workload = Workload()


def load_standards(path: Path | None = None) -> Standards:
    """The standards in path (default: the shipped file); InvalidInput names the key."""
    path = Path(path) if path else SHIPPED
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read the staffing standards: {exc.strerror}",
                           where=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"the staffing standards are not valid TOML: {exc}",
                           where=str(path)) from None
    try:
        return Standards.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"staffing standards: {key}: {first['msg']} "
                           f"({exc.error_count()} problem(s))", where=f"{path}: {key}",
                           details={"errors": [{"key": ".".join(map(str, e["loc"])),
                                                "problem": e["msg"]} for e in exc.errors()]}
                           ) from None
