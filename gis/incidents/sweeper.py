"""One sweep of overdue cases: what the app's background task (each in its own
transaction) and `onegrid incidents sweep` run. The sweep itself is timers.sweep."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from gis.auth import rls
from gis.auth.principal import Principal
from gis.db import unit_of_work
from gis.incidents import service, timers
from gis.settings import IncidentSettings

# The sweeper reads every area's cases (row-level security: scope_all), as the system.
SWEEPER = Principal(username=timers.SYSTEM_ACTOR, roles=frozenset({"system"}),
                    permissions=frozenset({"incidents:read", "incidents:write"}))


def sweep_once(factory: sessionmaker, *, settings: IncidentSettings,
               now: dt.datetime | None = None) -> timers.SweepResult:
    """Escalate what is overdue now, in one committed transaction (the commit releases the
    advisory lock)."""
    with unit_of_work(factory) as session:
        return run(session, settings=settings, now=now or dt.datetime.now(dt.UTC))


def run(session: Session, *, settings: IncidentSettings, now: dt.datetime,
        ) -> timers.SweepResult:
    """The sweep on the caller's session and transaction (never commits)."""
    rls.scope_session(session, SWEEPER)
    calendar = service.load_calendar(session, settings)
    return timers.sweep(session, calendar=calendar, now=now, yellow_share=settings.yellow_share)
