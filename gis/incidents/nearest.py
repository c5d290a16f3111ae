"""The nearest available staff for a case by their last known position: by road distance
when pgRouting and a road network are there, else by straight line; the answer says which
(distance_kind "road" or "straight") and, for a straight-line answer, why."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gis.roads.network import routing
from gis.sql import query

# Road distance re-ranks this many straight-line candidates per staff member asked for.
ROAD_CANDIDATES_PER_ANSWER = 8
# Metres: a case or a position further than this from every road vertex is off the network.
MAX_ACCESS_M = 500.0
# Degrees: the least margin around the case and its candidates that a route may use (~1 km).
MARGIN_DEG = 0.01


def nearest_staff(session: Session, *, lon: float, lat: float, now: dt.datetime,
                  limit: int, max_age_hours: int = 24) -> dict:
    """Active staff with a position reported within max_age_hours, nearest first."""
    how = routing(session)
    why_straight = how.why_not
    if how.by_road:
        rows = session.execute(query("incident_nearest_staff_road"), {
            "lon": lon, "lat": lat, "now": now, "limit": limit,
            "max_age_hours": max_age_hours, "candidates": limit * ROAD_CANDIDATES_PER_ANSWER,
            "max_access_m": MAX_ACCESS_M, "margin_deg": MARGIN_DEG}).mappings().all()
        if rows:
            return {"distance_kind": "road", "positions_within_hours": max_age_hours,
                    "staff": [{**r, "distance_m": round(r["distance_m"], 1),
                               "straight_m": round(r["straight_m"], 1)} for r in rows]}
        why_straight = (f"nobody with a fresh position is reachable by road: the case or "
                        f"the staff are over {MAX_ACCESS_M:.0f} m from the road network, "
                        "or on roads not connected to the case's")
    rows = session.execute(query("incident_nearest_staff"),
                           {"lon": lon, "lat": lat, "now": now, "limit": limit,
                            "max_age_hours": max_age_hours}).mappings().all()
    return {"distance_kind": "straight", "straight_because": why_straight,
            "positions_within_hours": max_age_hours,
            "staff": [{**r, "distance_m": round(r["distance_m"], 1)} for r in rows]}
