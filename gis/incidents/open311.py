"""Open311 GeoReport v2 over the incidents service: services and their definitions,
service requests read and created, tokens. Shapes follow the specification's JSON (the
"Spark convention"); api/open311_format.py writes the same structures as XML.

What citizens' apps see: only categories marked open311_public, and only the request
fields the specification lists (never the reporter's contact). Status is open/closed; a
case merged into another reports the surviving case's status (the citizen follows it)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.errors import InvalidInput, NotFound
from gis.incidents import intake
from gis.incidents.models import Incident, IncidentCategory
from gis.incidents.schemas import IncidentReport
from gis.settings import IncidentSettings

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
OPEN = ("reported", "registered", "dispatched", "handling", "feedback", "verified")
MAX_SPAN = dt.timedelta(days=90)
MAX_RESULTS = 1000
# The public face reads every area's public cases (row-level security: scope_all).
PUBLIC_READER = Principal(username="open311 (public)",
                          permissions=frozenset({"incidents:read"}))
STATUS_NOTES = {
    "reported": "已受理 received", "registered": "已立案 registered",
    "dispatched": "已派遣 dispatched", "handling": "处置中 being handled",
    "feedback": "已反馈 handled, awaiting check", "verified": "已核查 checked",
    "closed": "已结案 closed", "evaluated": "已结案 closed", "rejected": "不予立案 not accepted",
    "cancelled": "已撤销 cancelled"}


def discovery(*, base_url: str, changeset: dt.datetime, contact: str, key_service: str,
              zone: ZoneInfo) -> dict:
    return {"changeset": w3c(changeset, zone), "contact": contact, "key_service": key_service,
            "endpoints": [{"specification": SPECIFICATION, "url": base_url,
                           "changeset": w3c(changeset, zone), "type": "production",
                           "formats": ["text/xml", "application/json"]}]}


def services(session: Session) -> list[dict]:
    rows = _public_categories(session)
    names = {c.id: c for c in rows}
    return [{"service_code": c.code, "service_name": c.name_zh,
             "description": _description(c), "metadata": bool(c.open311_attributes),
             "type": "realtime", "keywords": c.name_en,
             "group": (names[c.parent_id].name_zh if c.parent_id in names else c.name_zh)}
            for c in rows]


def service_definition(session: Session, *, service_code: str) -> dict:
    category = _public_category(session, service_code)
    attributes = sorted(category.open311_attributes or [], key=lambda a: a["order"])
    return {"service_code": category.code, "attributes": [
        {"variable": True, "code": a["code"], "datatype": a["datatype"],
         "required": bool(a.get("required")),
         "datatype_description": a.get("datatype_description"), "order": a["order"],
         "description": a.get("description"),
         **({"values": [{"key": v["key"], "name": v["name"]} for v in a["values"]]}
            if a["datatype"].endswith("valuelist") else {})}
        for a in attributes]}


@dataclass
class Filters:
    ids: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def parse_filters(params: dict[str, str], *, now: dt.datetime) -> Filters:
    """GET requests' query: comma lists; dates in W3C format with a zone; 90 days at most."""
    ids = []
    for part in _comma_list(params.get("service_request_id")):
        if not part.isdigit() or len(part) > 18:
            raise InvalidInput(f"service_request_id {part[:30]!r} is not a request id",
                               where="service_request_id")
        ids.append(int(part))
    statuses = _comma_list(params.get("status"))
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        raise InvalidInput(f"status must be open or closed, got {wrong[0][:30]!r}",
                           where="status")
    start, end = _date(params, "start_date"), _date(params, "end_date")
    # "When not specified, the range defaults to most recent 90 days."
    if start is None:
        end = end or now
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise InvalidInput("end_date is before start_date", where="end_date")
    if end - start > MAX_SPAN:
        raise InvalidInput("start_date to end_date may not span more than 90 days",
                           where="start_date")
    return Filters(ids=ids, service_codes=_comma_list(params.get("service_code")),
                   statuses=statuses, start=start, end=end)


def requests(session: Session, *, filters: Filters, zone: ZoneInfo) -> list[dict]:
    query = (select(Incident, IncidentCategory)
             .join(IncidentCategory, IncidentCategory.id == Incident.category_id)
             .where(IncidentCategory.open311_public)
             .order_by(Incident.reported_at.desc(), Incident.id.desc()).limit(MAX_RESULTS))
    if filters.ids:  # "This overrides all other arguments."
        query = query.where(Incident.id.in_(filters.ids))
    else:
        query = query.where(Incident.reported_at >= filters.start,
                            Incident.reported_at <= filters.end)
        if filters.service_codes:
            query = query.where(IncidentCategory.code.in_(filters.service_codes))
        if filters.statuses == ["open"]:
            query = query.where(Incident.status.in_(OPEN))
        elif filters.statuses == ["closed"]:
            query = query.where(Incident.status.not_in(OPEN))
    rows = session.execute(query).all()
    survivors = _survivors(session, [case.duplicate_of for case, _ in rows if case.duplicate_of])
    out = [request_dict(case, category, survivor=survivors.get(case.duplicate_of), zone=zone)
           for case, category in rows]
    if filters.ids or len(filters.statuses) != 1:
        return out
    # a merged case's open/closed follows its survivor: filter after mapping
    return [r for r in out if r["status"] == filters.statuses[0]]


def request_by_id(session: Session, *, request_id: int, zone: ZoneInfo) -> dict:
    found = requests(session, filters=Filters(ids=[request_id]), zone=zone)
    if not found:
        raise NotFound(f"service request {request_id} not found", where="service_request_id")
    return found[0]


def token(session: Session, *, token_id: str) -> dict:
    case = session.execute(select(Incident).where(Incident.open311_token == token_id)
                           ).scalar_one_or_none()
    if case is None:
        raise NotFound(f"token {token_id[:40]} not found", where="token")
    return {"service_request_id": case.id, "token": token_id}


def request_dict(case: Incident, category: IncidentCategory, *, survivor: Incident | None,
                 zone: ZoneInfo) -> dict:
    followed = survivor or case
    closed = followed.status not in OPEN
    notes = STATUS_NOTES.get(followed.status)
    if survivor is not None:
        notes = f"与 {survivor.code} 合并 merged with request {survivor.id}; {notes}"
    lon, lat = _lon_lat(case)
    return {
        "service_request_id": case.id, "status": "closed" if closed else "open",
        "status_notes": notes, "service_name": category.name_zh, "service_code": category.code,
        "description": case.description, "agency_responsible": case.department,
        "service_notice": _notice(category),
        "requested_datetime": w3c(case.reported_at, zone),
        "updated_datetime": w3c((followed.closed_at if closed and followed.closed_at
                                 else followed.updated_at), zone),
        "expected_datetime": w3c(followed.due_at, zone) if followed.due_at else None,
        "address": case.address, "address_id": case.building_id, "zipcode": None,
        "lat": lat, "long": lon, "media_url": case.media_url}


@dataclass
class RequestForm:
    """POST requests' fields (application/x-www-form-urlencoded)."""

    fields: dict[str, str]
    attributes: dict[str, str | list[str]]


def parse_form(items: list[tuple[str, str]]) -> RequestForm:
    """Form items -> fields and attribute[code]=v / attribute[code][]=v answers."""
    fields: dict[str, str] = {}
    attributes: dict[str, str | list[str]] = {}
    for key, value in items:
        if key.startswith("attribute[") and key.endswith("[]"):
            code = key[len("attribute["):-3]
            existing = attributes.get(code)
            attributes[code] = [*(existing if isinstance(existing, list) else []), value]
        elif key.startswith("attribute[") and key.endswith("]"):
            attributes[key[len("attribute["):-1]] = value
        elif value != "":  # "Optional": empty is the same as not sent
            fields[key] = value
    return RequestForm(fields=fields, attributes=attributes)


def create(session: Session, *, principal: Principal, form: RequestForm,
           settings: IncidentSettings, now: dt.datetime) -> list[dict]:
    """POST requests: a citizen's report through the intake; a realtime service, so the
    answer carries the service_request_id (and never a token)."""
    f = form.fields
    code = f.get("service_code")
    if not code:
        raise InvalidInput("service_code was not provided", where="service_code")
    category = _public_category(session, code)
    if len(f.get("description", "")) > 4000:
        raise InvalidInput("description is limited to 4,000 characters", where="description")
    location = _location(f)
    reporter = {k: f[k] for k in ("email", "device_id", "account_id", "first_name",
                                  "last_name", "phone") if k in f}
    data = IncidentReport(source="citizen", category=category.code,
                          description=f.get("description"), address=f.get("address_string"),
                          media_url=f.get("media_url"), reporter=reporter,
                          attributes=form.attributes, **location)
    out = intake.report(session, principal=principal, data=data, settings=settings, now=now,
                        open311_token=secrets.token_urlsafe(12))
    return [{"service_request_id": out["id"], "service_notice": _notice(category),
             "account_id": f.get("account_id")}]


def w3c(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _location(f: dict[str, str]) -> dict:
    if "lat" in f or "long" in f:
        if not ("lat" in f and "long" in f):
            raise InvalidInput("lat and long both need to be sent", where="lat/long")
        try:
            return {"lat": float(f["lat"]), "lon": float(f["long"])}
        except ValueError:
            raise InvalidInput("lat and long must be decimal degrees (WGS84)",
                               where="lat/long") from None
    if "address_id" in f:
        if not f["address_id"].isdigit():
            raise InvalidInput("address_id must be a building id", where="address_id")
        return {"building_id": int(f["address_id"])}
    if "address_string" in f:
        return {}  # matched to a building by the intake (its address)
    raise InvalidInput("a location is required: lat & long, or address_id",
                       where="location")


def _public_categories(session: Session) -> list[IncidentCategory]:
    return list(session.execute(select(IncidentCategory).where(
        IncidentCategory.active, IncidentCategory.open311_public)
        .order_by(IncidentCategory.code)).scalars())


def _public_category(session: Session, code: str) -> IncidentCategory:
    category = session.execute(select(IncidentCategory).where(
        IncidentCategory.code == code, IncidentCategory.active,
        IncidentCategory.open311_public)).scalar_one_or_none()
    if category is None:
        raise NotFound(f"service_code {code[:64]} not found", where="service_code")
    return category


def _survivors(session: Session, ids: list[int]) -> dict[int, Incident]:
    if not ids:
        return {}
    return {c.id: c for c in session.execute(select(Incident).where(Incident.id.in_(ids)))
            .scalars()}


def _lon_lat(case: Incident) -> tuple[float | None, float | None]:
    from geoalchemy2.shape import to_shape

    if case.geom is None:
        return None, None
    point = to_shape(case.geom)
    return round(point.x, 7), round(point.y, 7)


def _description(category: IncidentCategory) -> str:
    return category.description or f"{category.name_en}; {category.department or ''}".rstrip(
        "; ")


def _notice(category: IncidentCategory) -> str | None:
    if category.time_limit_hours is None:
        return None
    unit = "工作小时 working hours" if category.working_time else "小时 hours"
    return f"{category.department or ''} 时限 {float(category.time_limit_hours):g} {unit}".strip()


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _date(params: dict[str, str], name: str) -> dt.datetime | None:
    value = params.get(name)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(f"{name} must be a W3C date-time with a zone, e.g. "
                           f"2010-01-01T00:00:00Z; got {value[:40]!r}", where=name)
    return parsed
