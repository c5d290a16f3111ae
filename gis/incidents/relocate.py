"""Re-locating a case whose first position was wrong: moved, re-located under the
generation in force at its report time, re-routed (the new cell's team, nearest staff),
and logged as a transition that says from where to where."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code
from gis.errors import PermissionDenied
from gis.incidents import intake, workflow
from gis.incidents.models import IncidentTransition
from gis.incidents.nearest import nearest_staff
from gis.incidents.schemas import Relocation
from gis.settings import IncidentSettings

ROLES = frozenset({"dispatcher", "grid_worker"})


def relocate(session: Session, *, incident_id: int, data: Relocation, principal: Principal,
             settings: IncidentSettings, now: dt.datetime) -> dict:
    """Move an open case; the caller must cover both its old and its new place."""
    case = workflow.lock(session, incident_id=incident_id, expected=data.version)
    allowed = "*" in principal.permissions or (principal.can("incidents:write")
                                                 and principal.roles & ROLES)
    if not allowed:
        raise PermissionDenied(f"{principal.username} may not relocate a case (roles "
                               f"allowed: {', '.join(sorted(ROLES))})")
    if case.status not in workflow.OPEN:
        raise workflow.InvalidTransition(f"incident {case.code} is {case.status}: only an "
                                         "open case can be relocated",
                                         details={"status": case.status})
    lon, lat = intake.location_point(session, lon=data.lon, lat=data.lat, crs=data.crs,
                                     building_id=data.building_id)
    day = case.reported_at.astimezone(ZoneInfo(settings.time_zone)).date()
    located = intake.locate(session, lon=lon, lat=lat, day=day)
    cell = (located or {}).get("cell")
    if not principal.unrestricted and (cell is None or
                                       not covers_cell_code(principal, cell["code"])):
        raise PermissionDenied(f"the new point lies in {cell['code'] if cell else 'no cell'}"
                               f", outside {principal.username}'s area", where="lon/lat")
    moved_m = session.execute(text(
        "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)"
        " FROM incidents WHERE id = :id"), {"x": lon, "y": lat, "id": case.id}).scalar()
    was = case.cell_code
    case.geom = f"SRID=4326;POINT({lon!r} {lat!r})"
    case.building_id = data.building_id
    for key, value in intake.chain(located).items():
        setattr(case, key, value)
    case.version, case.updated_at = case.version + 1, now
    session.add(IncidentTransition(
        incident_id=case.id, from_status=case.status, to_status=case.status, level=case.level,
        actor=principal.username, at=now, action="relocate", role=intake.role_of(principal),
        note=f"moved {moved_m or 0:.0f} m from cell {was or '-'} to "
             f"{cell['code'] if cell else '-'}: {data.note}"))
    session.flush()
    return {"id": case.id, "version": case.version, "cell_code": case.cell_code,
            "moved_m": round(moved_m or 0, 1), "located": located,
            "staff_on_duty": intake.staff_on_duty(session, cell_code=case.cell_code, day=day),
            "nearest_staff": nearest_staff(session, lon=lon, lat=lat, now=now,
                                           limit=settings.nearest_staff)}
