"""Who could handle a case now (the console's case panel): its position, the cell's team
on duty today and the nearest staff by their last known position, as intake answers."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.incidents.intake import staff_on_duty
from gis.incidents.nearest import nearest_staff
from gis.settings import IncidentSettings


def case_staff(session: Session, *, incident_id: int, cell_code: str | None,
               settings: IncidentSettings, now: dt.datetime) -> dict:
    """The case's lon/lat (EPSG:4326), staff on duty in its cell today, nearest staff."""
    row = session.execute(text("SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM incidents"
                               " WHERE id = :id"), {"id": incident_id}).mappings().first()
    if row is None or row["lon"] is None:
        return {"location": None, "staff_on_duty": {"basis": "no position", "staff": []},
                "nearest_staff": {"distance_kind": "straight",
                                  "straight_because": "the case has no position",
                                  "staff": []}}
    today = now.astimezone(ZoneInfo(settings.time_zone)).date()
    return {"location": {"lon": row["lon"], "lat": row["lat"]},
            "staff_on_duty": staff_on_duty(session, cell_code=cell_code, day=today),
            "nearest_staff": nearest_staff(session, lon=row["lon"], lat=row["lat"], now=now,
                                           limit=settings.nearest_staff)}
