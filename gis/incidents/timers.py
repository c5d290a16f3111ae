"""Time limits: the clock, the light, and the sweeper that escalates overdue cases.

Deadlines are stored (incidents.due_at, yellow_at), computed in working time when the
category says so, so a restart loses no timer: the next sweep finds what fell due. The
sweeper holds a transaction-level PostgreSQL advisory lock, so of several workers
sweeping at once one does the work and the others skip; it escalates each overdue case
one level (village → town → district), logged as a transition by the system, and gives
the new level a fresh limit. A case already at district level stays red."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.incidents.calendar import WorkCalendar
from gis.incidents.models import Incident, IncidentCategory, IncidentTransition

# pg_try_advisory_xact_lock key of the sweeper: 'onegrid' 'sweep' as a 64-bit number.
SWEEP_LOCK = 0x6F6E656772696401
LEVELS = ("village", "town", "district")
CLOCKED = ("registered", "dispatched", "handling", "feedback", "verified")


def start_clock(case: Incident, category: IncidentCategory, *, calendar: WorkCalendar,
                now: dt.datetime, yellow_share: float) -> None:
    """Dispatch starts the clock: the deadline and the moment the light turns yellow."""
    case.dispatched_at = now
    _set_deadline(case, category, calendar=calendar, start=now, yellow_share=yellow_share)


def escalate(case: Incident, category: IncidentCategory, *, calendar: WorkCalendar,
             now: dt.datetime, yellow_share: float) -> None:
    """One level up; a running clock starts again for the new level."""
    case.level = LEVELS[min(LEVELS.index(case.level) + 1, len(LEVELS) - 1)]
    if case.dispatched_at is not None:
        _set_deadline(case, category, calendar=calendar, start=now, yellow_share=yellow_share)


def _set_deadline(case, category, *, calendar: WorkCalendar, start: dt.datetime,
                  yellow_share: float) -> None:
    if category.time_limit_hours is None:
        case.due_at = case.yellow_at = None
        return
    hours = float(category.time_limit_hours)
    case.due_at = calendar.add(start, hours, working=category.working_time)
    case.yellow_at = calendar.add(start, hours * yellow_share, working=category.working_time)


def light(case, *, now: dt.datetime) -> str | None:
    """green / yellow / red while the clock runs; None before dispatch and once closed."""
    if case.due_at is None or case.status not in CLOCKED:
        return None
    if now >= case.due_at:
        return "red"
    if case.yellow_at is not None and now >= case.yellow_at:
        return "yellow"
    return "green"


@dataclass
class SweepResult:
    swept: bool  # False: another sweeper held the lock; nothing was done
    escalated: list[str] = field(default_factory=list)  # case codes
    lights_changed: int = 0


def sweep(session: Session, *, calendar: WorkCalendar, now: dt.datetime,
          yellow_share: float, batch: int = 500) -> SweepResult:
    """Escalate every overdue case below district level, once. Never commits: the caller's
    commit releases the advisory lock, and the next sweep sees the new deadlines."""
    got = session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                          {"key": SWEEP_LOCK}).scalar()
    if not got:
        return SweepResult(swept=False)
    result = SweepResult(swept=True)
    _escalate_all(session, result, calendar=calendar, now=now, yellow_share=yellow_share,
                  batch=batch)
    result.lights_changed = session.execute(text(LIGHTS), {"now": now}).rowcount
    return result


# Announce lights that changed since the last sweep (the UPDATE's NOTIFY tells the
# consoles); the partial index ix_incidents_due_open finds the open cases with a clock.
LIGHTS = """
    UPDATE incidents SET light = new.light
    FROM (SELECT id, CASE WHEN due_at <= :now THEN 'red'
                          WHEN yellow_at <= :now THEN 'yellow' ELSE 'green' END AS light
          FROM incidents
          WHERE status IN ('registered', 'dispatched', 'handling', 'feedback', 'verified')
            AND due_at IS NOT NULL) AS new
    WHERE incidents.id = new.id AND incidents.light IS DISTINCT FROM new.light"""


def _escalate_all(session: Session, result: SweepResult, *, calendar: WorkCalendar,
                  now: dt.datetime, yellow_share: float, batch: int) -> None:
    # The categories are held for the whole sweep: the identity map keeps objects weakly,
    # so session.get would read a category again for each case, and each read autoflushes,
    # sending the batch out case by case (3 round trips a case instead of a flush a batch).
    categories = {c.id: c for c in session.execute(select(IncidentCategory)).scalars()}
    while True:
        # The partial index ix_incidents_due_open answers due_at < now among open cases;
        # SKIP LOCKED passes over a case a dispatcher is changing right now (next sweep).
        overdue = session.execute(
            select(Incident).where(Incident.status.in_(CLOCKED), Incident.due_at <= now,
                                   Incident.level != LEVELS[-1],
                                   Incident.duplicate_of.is_(None))
            .order_by(Incident.due_at).limit(batch)
            .with_for_update(skip_locked=True)).scalars().all()
        if not overdue:
            return
        for case in overdue:
            _escalate_overdue(session, case, categories[case.category_id],
                              calendar=calendar, now=now, yellow_share=yellow_share)
            result.escalated.append(case.code)
        session.flush()


def _escalate_overdue(session: Session, case: Incident, category: IncidentCategory, *,
                      calendar: WorkCalendar, now: dt.datetime, yellow_share: float) -> None:
    was, due = case.level, case.due_at
    escalate(case, category, calendar=calendar, now=now, yellow_share=yellow_share)
    case.version, case.updated_at = case.version + 1, now
    session.add(IncidentTransition(
        incident_id=case.id, from_status=case.status, to_status=case.status, level=case.level,
        actor=SYSTEM_ACTOR, at=now, action="escalate", role="system",
        note=f"overdue since {due.isoformat()}: escalated from {was} to {case.level}"))


SYSTEM_ACTOR = "system (timer)"
