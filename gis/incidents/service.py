"""Reads of dispatch: one case with its log and allowed actions, the catalogue, the map's
GeoJSON; and the calendar built from settings."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

import gis.models  # noqa: F401  (every table: Incident's foreign keys name staff, cells...)
from gis.auth.principal import Principal
from gis.errors import InvalidInput, NotFound
from gis.geo import LngLatBBox
from gis.incidents import calendar as work_calendar
from gis.incidents import photos, timers, workflow
from gis.incidents.map_layer import IncidentFilter
from gis.incidents.models import Incident, IncidentCategory, IncidentTransition
from gis.settings import IncidentSettings
from gis.sql import query

MAX_PAGE = 1000


def load_calendar(session: Session, settings: IncidentSettings) -> work_calendar.WorkCalendar:
    return work_calendar.load(session, hours=settings.working_hours, zone=settings.time_zone)


def case_dict(case: Incident, category: IncidentCategory, *, now: dt.datetime) -> dict:
    return {
        "id": case.id, "code": case.code, "status": case.status, "level": case.level,
        "version": case.version, "source": case.source, "title": case.title,
        "description": case.description,
        "category": {"code": category.code, "name_zh": category.name_zh,
                     "name_en": category.name_en},
        "department": case.department, "triage": case.triage,
        "time_limit": {"hours": float(category.time_limit_hours)
                       if category.time_limit_hours is not None else None,
                       "counted_in": "working hours" if category.working_time
                       else "clock hours"},
        "cell_code": case.cell_code, "village_code": case.village_code,
        "town_code": case.town_code, "district_code": case.district_code,
        "generation": case.generation_id, "address": case.address,
        "media_url": case.media_url, "assigned_staff_id": case.assigned_staff_id,
        "reported_at": case.reported_at, "dispatched_at": case.dispatched_at,
        "yellow_at": case.yellow_at, "due_at": case.due_at, "closed_at": case.closed_at,
        "light": timers.light(case, now=now), "duplicate_of": case.duplicate_of,
        "evaluation": case.evaluation, "external_ref": case.external_ref,
    }


def get_case(session: Session, *, incident_id: int) -> tuple[Incident, IncidentCategory]:
    case = session.get(Incident, incident_id, populate_existing=True)
    if case is None:
        raise NotFound(f"incident {incident_id} does not exist or is outside your area",
                       where="incident")
    return case, session.get(IncidentCategory, case.category_id)


def case_detail(session: Session, *, incident_id: int, principal: Principal,
                now: dt.datetime) -> dict:
    """The case, its log (oldest first) and the actions this caller may take now."""
    case, category = get_case(session, incident_id=incident_id)
    log = session.execute(select(IncidentTransition)
                          .where(IncidentTransition.incident_id == case.id)
                          .order_by(IncidentTransition.at, IncidentTransition.id)).scalars()
    return {**case_dict(case, category, now=now),
            "allowed_actions": workflow.allowed_actions(case, principal),
            "photos": photos.list_photos(session, incident_id=case.id),
            "transitions": [{"action": t.action, "from": t.from_status, "to": t.to_status,
                             "level": t.level, "actor": t.actor, "role": t.role, "at": t.at,
                             "note": t.note} for t in log]}


def categories(session: Session) -> list[dict]:
    """The catalogue: each category with its parent's code and its routing data."""
    rows = list(session.execute(select(IncidentCategory).order_by(IncidentCategory.code))
                .scalars())
    codes = {c.id: c.code for c in rows}
    return [{"code": c.code, "parent": codes.get(c.parent_id), "name_zh": c.name_zh,
             "name_en": c.name_en, "department": c.department, "triage": c.triage,
             "time_limit_hours": float(c.time_limit_hours) if c.time_limit_hours else None,
             "working_time": c.working_time, "active": c.active,
             "open311_public": c.open311_public} for c in rows]


def feature_collection(session: Session, *, now: dt.datetime, where: IncidentFilter,
                       bbox: LngLatBBox | None = None, after: int = 0,
                       limit: int = 500) -> dict:
    """Incidents for the map, keyset-paged: pass the answer's `next_after` as `after`."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE}, got {limit}", where="limit")
    rows = session.execute(query("incidents_geojson"), {
        **where.checked().binds(now=now), "after": after, "limit": limit + 1,
        "has_bbox": bbox is not None,
        **(bbox._asdict() if bbox else dict.fromkeys(("west", "south", "east", "north"), 0.0)),
    }).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    features = [{"type": "Feature", "id": r["id"], "geometry": r["geometry"],
                 "properties": {k: v for k, v in r.items() if k != "geometry"}} for r in rows]
    return {"type": "FeatureCollection", "features": features,
            "numberReturned": len(features),
            "next_after": rows[-1]["id"] if more else None}
