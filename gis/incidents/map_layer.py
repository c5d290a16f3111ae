"""Incidents on the map: the filters the GeoJSON and the vector tiles share, and the tile."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gis.errors import InvalidInput
from gis.grid.tiles import BUFFER, EXTENT, check_tile
from gis.sql import query

LIGHTS = ("green", "yellow", "red")
STATUSES = ("reported", "registered", "dispatched", "handling", "feedback", "verified",
            "closed", "evaluated", "rejected", "merged", "cancelled")


@dataclass(frozen=True)
class IncidentFilter:
    """Which cases a map layer shows: all of them when every field is None. The time window
    is half-open on the report time: since <= reported_at < until."""

    statuses: tuple[str, ...] | None = None
    category: str | None = None  # a code; selects its sub-categories too
    light: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def checked(self) -> IncidentFilter:
        """Itself, or InvalidInput naming the first bad field."""
        if self.light is not None and self.light not in LIGHTS:
            raise InvalidInput(f"light must be one of {', '.join(LIGHTS)}, got "
                               f"{self.light[:30]!r}", where="light")
        unknown = sorted(set(self.statuses or ()) - set(STATUSES))
        if unknown:
            raise InvalidInput(f"status {unknown[0][:30]!r} is not one of "
                               f"{', '.join(STATUSES)}", where="status")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidInput(f"{name} {value.isoformat()} has no time zone: add one "
                                   "(+08:00 or Z)", where=name)
        if self.since and self.until and self.until <= self.since:
            raise InvalidInput(f"the time window is empty: until ({self.until.isoformat()}) "
                               f"is not after since ({self.since.isoformat()})",
                               where="until")
        return self

    def binds(self, *, now: dt.datetime) -> dict:
        return {"now": now, "statuses": list(self.statuses) if self.statuses else None,
                "category": self.category, "light": self.light, "since": self.since,
                "until": self.until}


def vector_tile(session: Session, *, z: int, x: int, y: int, where: IncidentFilter,
                now: dt.datetime) -> bytes:
    """The tile's bytes (layer "incidents"); empty when no case the caller sees is in it."""
    check_tile(z, x, y)
    params = {"z": z, "x": x, "y": y, "extent": EXTENT, "buffer": BUFFER,
              "margin": BUFFER / EXTENT, **where.checked().binds(now=now)}
    return bytes(session.execute(query("incidents_tile"), params).scalar() or b"")
