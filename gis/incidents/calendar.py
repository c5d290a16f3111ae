"""Working time: China's working-day calendar (holidays, make-up days) and office hours.

The calendar is data (table calendar_days: only the days that differ from "Monday to
Friday"), seeded from the chinese-calendar package and extendable by an administrator
when the State Council publishes a new year. A year with no entries falls back to plain
weekends and is logged once as a warning, never an error. Times are computed in the
configured zone (Asia/Shanghai) and returned as aware datetimes."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput

log = logging.getLogger("onegrid.incidents")

MAX_DAYS = 3660  # a limit longer than ten years of working time is a data error


def package_exceptions() -> list[tuple[dt.date, bool, str]]:
    """(day, workday, note) for every day the chinese-calendar package knows that breaks
    the weekend rule: holidays on weekdays and make-up working days on weekends."""
    import chinese_calendar

    out = [(day, False, name) for day, name in chinese_calendar.holidays.items()
           if day.weekday() < 5]
    out += [(day, True, f"{name} make-up working day 调休上班")
            for day, name in chinese_calendar.workdays.items() if day.weekday() >= 5]
    return sorted(out)


def parse_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """'08:30-12:00,13:30-17:30' -> office-hour windows of a working day, in order."""
    windows = []
    try:
        for part in spec.split(","):
            start, end = (dt.time.fromisoformat(t.strip()) for t in part.split("-"))
            windows.append((start, end))
    except ValueError as exc:
        raise InvalidInput(f"working hours must look like '08:30-12:00,13:30-17:30', "
                           f"got {spec!r}", where="incidents.working_hours") from exc
    if not windows or any(s >= e for s, e in windows) or any(
            a[1] > b[0] for a, b in zip(windows, windows[1:], strict=False)):
        raise InvalidInput(f"working hours {spec!r} must be ordered, non-overlapping windows",
                           where="incidents.working_hours")
    return tuple(windows)


@dataclass
class WorkCalendar:
    """Which days are working days, and the office hours of one."""

    exceptions: dict[dt.date, bool] = field(default_factory=dict)
    hours: tuple[tuple[dt.time, dt.time], ...] = ((dt.time(8, 30), dt.time(12, 0)),
                                                 (dt.time(13, 30), dt.time(17, 30)))
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    # Years already checked against known_years (warned about if unknown): the check
    # rebuilds a set over every stored day, too dear for each day of each deadline.
    _checked: set[int] = field(default_factory=set)

    @property
    def known_years(self) -> set[int]:
        return {day.year for day in self.exceptions}

    def is_workday(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        if day.year not in self._checked and day.year not in self.known_years:
            log.warning("no holidays are known for %s: counting weekends only; add the "
                        "year's days to calendar_days", day.year)
        self._checked.add(day.year)
        return day.weekday() < 5

    def _windows(self, day: dt.date):
        if not self.is_workday(day):
            return
        for start, end in self.hours:
            yield (dt.datetime.combine(day, start, self.zone),
                   dt.datetime.combine(day, end, self.zone))

    def add(self, start: dt.datetime, hours: float, *, working: bool) -> dt.datetime:
        """The moment `hours` after `start`: in office hours of working days when
        `working`, else wall-clock hours."""
        if not working:
            return start + dt.timedelta(hours=hours)
        remaining = dt.timedelta(hours=hours)
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        for _ in range(MAX_DAYS):
            for window_start, window_end in self._windows(day):
                cursor = max(cursor, window_start)
                if cursor >= window_end:
                    continue
                if remaining <= window_end - cursor:
                    return cursor + remaining
                remaining -= window_end - cursor
            day += dt.timedelta(days=1)
        raise InvalidInput(f"a limit of {hours} working hours runs past {MAX_DAYS} days",
                           where="time_limit_hours")

    def elapsed(self, start: dt.datetime, end: dt.datetime, *, working: bool) -> float:
        """Hours between start and end (working hours when `working`)."""
        if end <= start:
            return 0.0
        if not working:
            return (end - start).total_seconds() / 3600
        total = dt.timedelta()
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            for window_start, window_end in self._windows(day):
                lo, hi = max(window_start, start), min(window_end, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600


def load(session: Session, *, hours: str | None = None, zone: str = "Asia/Shanghai",
         ) -> WorkCalendar:
    """The calendar as stored (calendar_days), with the configured office hours."""
    rows = session.execute(text("SELECT day, workday FROM calendar_days")).all()
    calendar = WorkCalendar(exceptions={day: workday for day, workday in rows},
                            zone=ZoneInfo(zone))
    if hours:
        calendar.hours = parse_hours(hours)
    return calendar


def seed_from_package(session: Session) -> list[dt.date]:
    """Add the package's days the table lacks (a newer chinese-calendar covers a new
    year); days already stored, perhaps set by hand, are kept. Returns the days added."""
    stored = {day for (day,) in session.execute(text("SELECT day FROM calendar_days"))}
    added = [(day, workday, note) for day, workday, note in package_exceptions()
             if day not in stored]
    for day, workday, note in added:
        session.execute(text("INSERT INTO calendar_days (day, workday, note)"
                             " VALUES (:day, :workday, :note)"),
                        {"day": day, "workday": workday, "note": note})
    return [day for day, _, _ in added]


def set_day(session: Session, *, day: dt.date, workday: bool, note: str | None) -> None:
    """An administrator's day: a holiday or a make-up working day the package lacks."""
    session.execute(text(
        "INSERT INTO calendar_days (day, workday, note) VALUES (:day, :workday, :note)"
        " ON CONFLICT (day) DO UPDATE SET workday = EXCLUDED.workday, note = EXCLUDED.note"),
        {"day": day, "workday": workday, "note": note})
