"""Dispatch fixtures: a grid in China with a team on duty, principals by role and area,
and helpers that report and move cases as a given caller under row-level security."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from gis.auth import rls
from gis.auth.principal import Principal
from gis.db import sqlalchemy_url
from gis.db_roles import with_login
from gis.incidents import intake, service, workflow
from gis.incidents.schemas import IncidentReport
from gis.reference import ROLES
from gis.settings import IncidentSettings
from tests.factories import DISTRICT, TOWN, VILLAGE
from tests.grid_fixtures import CHINA_SOUTH, CHINA_WEST

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside the west cell of china_grid (…001); the east cell is …002.
WEST_POINT = (CHINA_WEST + 0.005, CHINA_SOUTH + 0.005)
EAST_POINT = (CHINA_WEST + 0.015, CHINA_SOUTH + 0.005)
WEST_CELL, EAST_CELL = VILLAGE + "001", VILLAGE + "002"
OTHER_TOWN = "500151002000"
# Thursday 2026-10-08 09:00 in Beijing time: the first working day after National Day.
THURSDAY = dt.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def principal(role: str, *codes: str, name: str | None = None) -> Principal:
    """A caller with the role's permissions, limited to region/cell codes (none: everywhere)."""
    return Principal(username=name or f"{role}-{'-'.join(codes) or 'all'}",
                     roles=frozenset({role}), permissions=frozenset(ROLES[role][1]),
                     region_codes=tuple(c for c in codes if len(c) == 12),
                     cell_codes=tuple(c for c in codes if len(c) == 15),
                     everywhere=not codes)


@pytest.fixture()
def dispatch_world(db, china_grid):
    """china_grid, a grid head and a worker on duty in the west cell (positions 110 m and
    550 m from WEST_POINT), the working-day calendar as migrated."""
    staff = {}
    for key, name, role, dlat in (("head", "王网格长", "grid_head", 0.001),
                                  ("worker", "李网格员", "fulltime_worker", 0.005)):
        staff[key] = db.execute(text("INSERT INTO staff (name) VALUES (:n) RETURNING id"),
                                {"n": name}).scalar_one()
        db.execute(text("INSERT INTO staff_assignments (staff_id, cell_code, role_code,"
                        " valid_from) VALUES (:s, :c, :r, DATE '2026-01-01')"),
                   {"s": staff[key], "c": WEST_CELL, "r": role})
        db.execute(text("INSERT INTO staff_positions (staff_id, geom, reported_at) VALUES"
                        " (:s, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :at)"),
                   {"s": staff[key], "x": WEST_POINT[0], "y": WEST_POINT[1] + dlat,
                    "at": THURSDAY - dt.timedelta(hours=1)})
    db.flush()
    return {**china_grid, "staff": staff}


def as_caller(db, who: Principal | None, logins) -> None:
    """From here on the test's session runs as the app role, scoped to `who`."""
    rls.scope_session(db, who, as_role=logins.names.app)


def report(db, who: Principal, *, now: dt.datetime = THURSDAY, point=WEST_POINT,
           category: str = "street_order.vendor", settings: IncidentSettings | None = None,
           **fields) -> dict:
    where = {"lon": point[0], "lat": point[1]} if point else {}
    data = IncidentReport(source=fields.pop("source", "patrol"), category=category,
                          **where, **fields)
    return intake.report(db, principal=who, data=data, settings=settings or IncidentSettings(),
                         now=now)


def act(db, who: Principal, incident_id: int, action: str, *, now: dt.datetime = THURSDAY,
        note: str | None = "because", **details):
    calendar = service.load_calendar(db, IncidentSettings())
    return workflow.transition(db, incident_id=incident_id,
                               change=workflow.Change(action=action, note=note, **details),
                               principal=who, calendar=calendar, now=now, yellow_share=0.75)


@pytest.fixture()
def committed_cases(committed_grid_url, logins):
    """Sessions on the committed two-cell grid as the service's app role, and an overdue
    dispatched case in each cell (due at 2026-10-08 12:00 Beijing time)."""
    app_url = with_login(committed_grid_url, user=logins.names.app,
                         password=logins.app_password)
    engine = create_engine(sqlalchemy_url(app_url))
    owner = create_engine(sqlalchemy_url(committed_grid_url))
    with Session(owner) as session, session.begin():
        for n, (lon, cell) in enumerate(((0.5, "001"), (1.5, "002"))):
            session.execute(text(
                "INSERT INTO incidents (code, category_id, source, status, level, title, geom,"
                " cell_id, cell_code, village_code, reported_at, dispatched_at, due_at)"
                " SELECT :code, k.id, 'patrol', 'dispatched', 'village', 'x',"
                " ST_SetSRID(ST_MakePoint(:lon, 0.5), 4326), c.id, c.code, c.village_code,"
                " :at, :at, :due FROM incident_categories k, grid_cells c"
                " WHERE k.code = 'street_order.vendor' AND right(c.code, 3) = :cell"),
                {"code": f"SJ-{n}", "lon": lon, "cell": cell,
                 "at": beijing(2026, 10, 8, 0, 0), "due": beijing(2026, 10, 8, 12, 0)})
    owner.dispose()
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


__all__ = ["DISTRICT", "TOWN"]
