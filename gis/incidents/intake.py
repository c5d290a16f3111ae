"""Intake: a report located (cell, village, town, district under the generation in force
at the report time), routed (category's department, triage, limit; the cell's staff on
duty; the nearest staff, by road or straight line) and checked for probable duplicates, in the
caller's one transaction."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code
from gis.errors import InvalidInput, NotFound, PermissionDenied
from gis.grid.locate_async import PointQuery, locate_point_sync
from gis.grid.service import to_wgs84_point
from gis.incidents import service
from gis.incidents.address import match_building
from gis.incidents.attributes import check_answers
from gis.incidents.models import Incident, IncidentCategory
from gis.incidents.nearest import nearest_staff
from gis.incidents.schemas import IncidentReport
from gis.settings import IncidentSettings
from gis.sql import query

CLOCK_SKEW = dt.timedelta(minutes=5)  # a phone's clock may run a little ahead


def report(session: Session, *, principal: Principal, data: IncidentReport,
           settings: IncidentSettings, now: dt.datetime, open311_token: str | None = None,
           ) -> dict:
    """Store a new case (status reported) and answer where it is and who could handle it."""
    category = category_by_code(session, data.category)
    answers = check_answers(category.open311_attributes or [], data.attributes,
                            category=category.code)
    reported_at = data.reported_at or now
    if reported_at > now + CLOCK_SKEW:
        raise InvalidInput(f"reported_at {reported_at.isoformat()} is in the future",
                           where="reported_at")
    matched = None
    if data.lon is None and data.building_id is None:
        matched = match_building(session, address=data.address)
        data = data.model_copy(update={"building_id": matched["building_id"]})
    lon, lat = location_point(session, lon=data.lon, lat=data.lat, crs=data.crs,
                              building_id=data.building_id)
    local_day = reported_at.astimezone(ZoneInfo(settings.time_zone)).date()
    located = locate(session, lon=lon, lat=lat, day=local_day)
    cell = located["cell"] if located else None
    if not principal.unrestricted and (cell is None or
                                       not covers_cell_code(principal, cell["code"])):
        where = f"cell {cell['code']}" if cell else "no cell of the grid"
        raise PermissionDenied(f"the point lies in {where}, outside {principal.username}'s "
                               "area", where="lon/lat")
    # The case and its log row in one statement (gis/sql/incident_intake.sql): the id from
    # the table's sequence, the code SJ<day><id> with it, so the case never goes in with a
    # placeholder code (concurrent intakes would wait on the unique index, and the consoles'
    # NOTIFY would tell of a case without a code).
    fields = dict(
        category_id=category.id, source=data.source, triage=category.triage,
        department=category.department, title=data.title or category.name_zh,
        description=data.description, building_id=data.building_id, address=data.address,
        media_url=str(data.media_url) if data.media_url else None,
        external_ref=data.external_ref, reporter=data.reporter, open311_token=open311_token,
        attributes=answers, **chain(located))
    stored = session.execute(query("incident_intake"), {
        **{name: fields.get(name) for name in _CHAIN}, **fields,
        "reporter": json.dumps(data.reporter), "attributes": json.dumps(answers),
        "lon": lon, "lat": lat, "reported_at": reported_at, "now": now,
        "day_code": f"{local_day:%Y%m%d}", "actor": principal.username,
        "role": role_of(principal), "note": f"source: {data.source}"}).one()
    # The answer is built from what was stored (no SELECT back: nothing was left to the
    # database but the id and the code); a transient Incident, never added to the session.
    case = Incident(id=stored.id, code=stored.code, status="reported", level="village",
                    version=1, reported_at=reported_at, updated_at=now,
                    **fields)
    return {**service.case_dict(case, category, now=now),
            "located": located, "address_match": matched,
            "staff_on_duty": staff_on_duty(session, cell_code=cell["code"] if cell else None,
                                           day=local_day),
            "nearest_staff": nearest_staff(session, lon=lon, lat=lat, now=now,
                                           limit=settings.nearest_staff),
            "probable_duplicates": duplicates(session, case=case, lon=lon, lat=lat,
                                              settings=settings)}


_GENERIC_PLANS = text("SET LOCAL plan_cache_mode = force_generic_plan")

# The chain's columns, NULL when the point lies in no cell (or no generation answers).
_CHAIN = ("generation_id", "cell_id", "cell_code", "village_code", "town_code",
          "district_code")


def category_by_code(session: Session, code: str) -> IncidentCategory:
    category = session.execute(select(IncidentCategory).where(
        IncidentCategory.code == code, IncidentCategory.active)).scalar_one_or_none()
    if category is None:
        raise InvalidInput(f"unknown category {code!r}: GET /incidents/categories lists them",
                           where="category")
    return category


def location_point(session: Session, *, lon: float | None, lat: float | None,
                   crs: str | None, building_id: int | None) -> tuple[float, float]:
    """WGS84 lon/lat of a point given in a CRS, or of a building."""
    if building_id is None:
        return to_wgs84_point(lon, lat, crs)
    # A point inside the building's footprint (its own point for point buildings).
    row = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM buildings"
        " WHERE id = :id) AS b"), {"id": building_id}).first()
    if row is None:
        raise NotFound(f"building {building_id} does not exist or is outside your area",
                       where="building_id")
    return float(row[0]), float(row[1])


def locate(session: Session, *, lon: float, lat: float, day: dt.date) -> dict | None:
    """/locate's answer under the generation in force that day; None with no generation."""
    # The /locate statement takes its points as arrays, and PostgreSQL guesses an array bind
    # at 10 elements: under plan_cache_mode "auto" its generic plan always looks dearer than
    # a fresh one-point plan, so it was planned afresh on every intake (pg_prepared_statements:
    # 0 generic, 15 custom plans after 15 calls), ~1 ms of planning (11 ms on a busy machine)
    # for 0.4 ms of work. The generic plan is right for any batch (index lookups point by
    # point: api/pool.py forces it on the /locate fast path's pool). SET LOCAL: for the rest
    # of this transaction only, whose other statements (staff on duty, nearest staff,
    # duplicates) settle on their generic plans anyway.
    session.execute(_GENERIC_PLANS)
    try:
        return locate_point_sync(session, PointQuery(lon=lon, lat=lat, at=day))
    except NotFound:
        return None


def chain(located: dict | None) -> dict:
    if not located:
        return {}
    cell = located["cell"] or {}
    return {"generation_id": located["generation"], "cell_id": cell.get("id"),
            "cell_code": cell.get("code"),
            **{f"{level}_code": (located[level] or {}).get("code")
               for level in ("village", "town", "district")}}


def role_of(principal: Principal) -> str | None:
    return "admin" if "*" in principal.permissions else next(iter(sorted(principal.roles)),
                                                            None)


def staff_on_duty(session: Session, *, cell_code: str | None, day: dt.date) -> dict:
    """The cell's team that day, by role (there is no shift schedule in the schema yet:
    'on duty' means assigned to the cell that day)."""
    if cell_code is None:
        return {"basis": "no cell at this point", "staff": []}
    rows = session.execute(query("incident_staff_on_duty"),
                           {"cell_code": cell_code, "day": day}).mappings().all()
    return {"basis": "assigned to the cell on the report day (no shift schedule is kept)",
            "staff": [dict(r) for r in rows]}


def duplicates(session: Session, *, case: Incident, lon: float, lat: float,
               settings: IncidentSettings) -> list[dict]:
    """Open cases of the same category nearby and recent: offered, never merged here.
    lon/lat: the case's point, as stored (WGS84)."""
    rows = session.execute(query("incident_duplicates"), {
        "lon": lon, "lat": lat, "radius_m": settings.duplicate_radius_m,
        "hours": settings.duplicate_hours, "category_id": case.category_id,
        "incident_id": case.id, "reported_at": case.reported_at}).mappings().all()
    return [{**r, "distance_m": round(r["distance_m"], 1)} for r in rows]
