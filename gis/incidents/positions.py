"""Staff positions for nearest-staff routing: a phone reports where its user (linked to a
staff row by staff.user_id) is now; only the last position is kept."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.errors import NotFound
from gis.grid.service import to_wgs84_point


def report_position(session: Session, *, principal: Principal, lon: float, lat: float,
                    crs: str | None, now: dt.datetime) -> dict:
    user_id = principal.extra.get("user_id")
    staff_id = session.execute(text(
        "SELECT id FROM staff WHERE user_id = :u AND active ORDER BY id LIMIT 1"),
        {"u": user_id}).scalar() if user_id is not None else None
    if staff_id is None:
        raise NotFound(f"{principal.username} is not linked to an active member of staff "
                       "(staff.user_id)", where="staff")
    x, y = to_wgs84_point(lon, lat, crs)
    session.execute(text(
        "INSERT INTO staff_positions (staff_id, geom, reported_at)"
        " VALUES (:s, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :at)"
        " ON CONFLICT (staff_id) DO UPDATE SET geom = EXCLUDED.geom,"
        " reported_at = EXCLUDED.reported_at"), {"s": staff_id, "x": x, "y": y, "at": now})
    return {"staff_id": staff_id, "lon": x, "lat": y, "reported_at": now}
