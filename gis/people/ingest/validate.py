"""Row validation: raw values → typed fields, or problems naming the row, field and reason."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from gis.errors import InvalidInput
from gis.people.idnumbers import IdNumber, parse_id_number
from gis.people.ingest.readers import RawRow
from gis.text_guard import clean_text

CONCERN_LEVELS = {"高": "high", "high": "high", "h": "high", "中": "medium", "medium": "medium",
                  "m": "medium", "一般": "medium", "低": "low", "low": "low", "l": "low"}
RESIDENCE = {"户籍": "registered", "户籍人口": "registered", "常住": "registered",
             "registered": "registered", "流动": "floating", "流动人口": "floating",
             "暂住": "floating", "floating": "floating"}


@dataclass(frozen=True)
class Problem:
    """Why a row was refused, skipped or left unlocated."""

    where: str
    field: str
    reason: str

    def as_dict(self) -> dict:
        return {"where": self.where, "field": self.field, "reason": self.reason}


class RowReader:
    """Typed access to one row's fields; every failure is collected, not raised."""

    def __init__(self, row: RawRow, columns: dict[str, str]):
        self.row, self.columns, self.problems = row, columns, []

    def fail(self, field: str, reason: str) -> None:
        self.problems.append(Problem(self.row.label, field, reason))

    def raw(self, field: str):
        header = self.columns.get(field)
        value = self.row.values.get(header) if header else None
        if not isinstance(value, str):
            return value
        try:  # NFC, no control or invisible characters: what is stored can be exported
            return clean_text(value, where=field)
        except InvalidInput as exc:
            self.fail(field, exc.message)
            return None

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.raw(field)
        if value in (None, ""):
            if required:
                self.fail(field, "is empty")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # Excel stores 101 as 101.0
        return " ".join(str(value).split())

    def number(self, field: str, *, whole: bool = False, low=None, high=None):
        value = self.raw(field)
        if value in (None, ""):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(field, f"{value!r} is not a number")
            return None
        if not math.isfinite(number) or (whole and not number.is_integer()):
            self.fail(field, f"{value!r} is not a {'whole ' if whole else ''}number")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            self.fail(field, f"{value!r} is outside {low}..{high}")
            return None
        return int(number) if whole else number

    def id_number(self, field: str = "id_number") -> IdNumber | None:
        value = self.raw(field)
        if isinstance(value, (int, float)):
            self.fail(field, "is stored as a number, so Excel has rounded it: format the "
                      "column as text and re-enter the numbers")
            return None
        if value in (None, ""):
            self.fail(field, "is empty")
            return None
        try:
            return parse_id_number(str(value), where=field)
        except InvalidInput as exc:
            self.fail(field, exc.message)
            return None

    def date(self, field: str) -> dt.date | None:
        value = self.raw(field)
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).replace("/", "-"))
        except ValueError:
            self.fail(field, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def choice(self, field: str, table: dict[str, str], *, required: bool = False):
        value = self.text(field, required=required)
        if value is None:
            return None
        found = table.get(value.lower())
        if found is None:
            self.fail(field, f"{value!r} is not one of {sorted(set(table))}")
        return found

    def coordinates(self) -> tuple[float, float] | None:
        lon, lat = self.number("lon"), self.number("lat")
        if (lon is None) != (lat is None) and not self.problems:
            self.fail("lon/lat", "needs both longitude and latitude")
        return (lon, lat) if lon is not None and lat is not None else None


def building(reader: RowReader) -> dict:
    return {"code": reader.text("code"), "address": reader.text("address", required=True),
            "name": reader.text("name"),
            "floors": reader.number("floors", whole=True, low=1, high=200),
            "xy": reader.coordinates()}


def household(reader: RowReader) -> dict:
    return {"external_id": reader.text("external_id", required=True),
            "address": reader.text("address"), "building_code": reader.text("building_code"),
            "members": reader.number("members", whole=True, low=0, high=100) or 0,
            "xy": reader.coordinates()}


def person(reader: RowReader) -> dict:
    return {"name": reader.text("name", required=True), "id": reader.id_number(),
            "household": reader.text("household_id"), "phone": reader.text("phone"),
            "residence": reader.choice("residence", RESIDENCE)}


def special(reader: RowReader, categories: dict[str, str]) -> dict:
    return {"id": reader.id_number(), "name": reader.text("name"),
            "category": reader.choice("category", categories, required=True),
            "concern_level": reader.choice("concern_level", CONCERN_LEVELS, required=True),
            "danger_level": reader.number("danger_level", whole=True, low=0, high=5),
            "helper": reader.text("helper"),
            "visit_interval_days": reader.number("visit_interval_days", whole=True, low=1,
                                                 high=3660),
            "start_date": reader.date("start_date"), "note": reader.text("note")}
