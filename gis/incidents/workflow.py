"""The case's life as a state machine: which action is allowed from which state, by which
role, within which area; every transition stamped and appended to incident_transitions.

Steps (DOMAIN.md): report → register → dispatch (the clock starts) → handle → feedback →
verify → close → evaluate; around them return, reject, escalate, reopen, merge. A case
is locked (FOR UPDATE) while it changes, so two transitions of one case queue: the second
sees the first's result and is refused with Conflict when its action no longer applies,
or StaleEdit when it named the version it was based on (If-Match) and that moved on."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import covers_cell_code, covers_region_code
from gis.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleEdit
from gis.incidents import timers
from gis.incidents.calendar import WorkCalendar
from gis.incidents.models import Incident, IncidentCategory, IncidentTransition
from gis.staff.models import Staff

LEVELS = ("village", "town", "district")
OPEN = ("reported", "registered", "dispatched", "handling", "feedback", "verified")
ANY_OPEN_CASE = ("reported", "registered", "dispatched", "handling")
SYSTEM = "system"  # the sweeper's role: escalation only


class InvalidTransition(Conflict):
    """The action does not apply to the case in its current state."""


@dataclass(frozen=True)
class Action:
    name: str
    moves: dict[str, str | None]  # from status -> to status (None: the status stays)
    roles: frozenset[str]
    needs_reason: bool = False


def _action(name, moves, roles, needs_reason=False) -> Action:
    return Action(name, moves, frozenset(roles), needs_reason)


ACTIONS = {a.name: a for a in (
    _action("register", {"reported": "registered"}, {"dispatcher"}),
    _action("reject", {"reported": "rejected"}, {"dispatcher"}, needs_reason=True),
    _action("dispatch", {"registered": "dispatched"}, {"dispatcher"}),
    _action("handle", {"dispatched": "handling"}, {"dispatcher", "grid_worker"}),
    _action("feedback", {"handling": "feedback"}, {"dispatcher", "grid_worker"}),
    _action("verify", {"feedback": "verified"}, {"dispatcher"}),
    _action("close", {"verified": "closed"}, {"dispatcher"}),
    _action("evaluate", {"closed": "evaluated"}, {"dispatcher"}),
    # 退回: the handler hands it back to the dispatcher; a failed check goes back to work
    _action("return", {"dispatched": "registered", "handling": "registered",
                       "feedback": "handling"}, {"dispatcher", "grid_worker"},
            needs_reason=True),
    # 上报: what this level cannot solve goes one level up (the status stays)
    _action("escalate", dict.fromkeys(("registered", "dispatched", "handling")),
            {"dispatcher", "grid_worker", SYSTEM}, needs_reason=True),
    _action("reopen", {"closed": "registered", "evaluated": "registered"},
            {"dispatcher"}, needs_reason=True),
    _action("merge", dict.fromkeys(ANY_OPEN_CASE, "merged"), {"dispatcher"},
            needs_reason=True),
)}


@dataclass(frozen=True)
class Change:
    """What a caller asks: the action, why, and the action's own details."""

    action: str
    note: str | None = None
    expected_version: int | None = None
    assignee_id: int | None = None  # dispatch
    into_id: int | None = None  # merge: the surviving case
    evaluation: int | None = None  # evaluate: 1..5


def allowed_actions(case: Incident, principal: Principal) -> list[str]:
    """The actions this caller may take on the case now (buttons of a console)."""
    return [name for name, action in ACTIONS.items()
            if case.status in action.moves and _role_for(principal, action) is not None
            and _in_area(principal, case) and _level_allows(case, action)]


def transition(session: Session, *, incident_id: int, change: Change, principal: Principal,
               calendar: WorkCalendar, now: dt.datetime, yellow_share: float) -> Incident:
    """Apply one action to a case: checked, stamped, logged. Never commits."""
    action = ACTIONS.get(change.action)
    if action is None:
        raise InvalidInput(f"unknown action {change.action!r}; one of {', '.join(ACTIONS)}",
                           where="action")
    case = lock(session, incident_id=incident_id, expected=change.expected_version)
    role = _check(case, action, change, principal)
    before = case.status
    after = action.moves[before] or before
    note = (change.note or "").strip() or None
    _apply(session, case, action, change, calendar=calendar, now=now, yellow_share=yellow_share)
    case.status, case.version, case.updated_at = after, case.version + 1, now
    case.light = timers.light(case, now=now)
    session.add(IncidentTransition(incident_id=case.id, from_status=before, to_status=after,
                                   level=case.level, actor=principal.username, at=now,
                                   note=note, action=action.name, role=role))
    session.flush()
    return case


def lock(session: Session, *, incident_id: int, expected: int | None) -> Incident:
    """The case, locked for this transaction; StaleEdit if it moved past `expected`."""
    case = session.execute(select(Incident).where(Incident.id == incident_id)
                           .with_for_update().execution_options(populate_existing=True)
                           ).scalar_one_or_none()
    if case is None:
        raise NotFound(f"incident {incident_id} does not exist or is outside your area",
                       where="incident")
    if expected is not None and case.version != expected:
        raise StaleEdit(f"incident {case.code} changed since you read it: it is at version "
                        f"{case.version} ({case.status}), your change was based on version "
                        f"{expected}; reload it", where="If-Match",
                        details={"current_version": case.version, "your_version": expected,
                                 "status": case.status})
    return case


def _check(case: Incident, action: Action, change: Change, principal: Principal) -> str:
    """The role that allows the action; refusals say which rule failed."""
    role = _role_for(principal, action)
    if role is None:
        raise PermissionDenied(f"{principal.username} may not {action.name} a case (roles "
                               f"allowed: {', '.join(sorted(action.roles))})",
                               details={"action": action.name})
    if not _in_area(principal, case):
        raise PermissionDenied(f"incident {case.code} is at {case.level} level, outside "
                               f"{principal.username}'s area", details={"level": case.level})
    if case.status not in action.moves:
        raise InvalidTransition(f"cannot {action.name} incident {case.code}: it is "
                                f"{case.status} (allowed from {', '.join(action.moves)})",
                                details={"status": case.status, "version": case.version})
    if not _level_allows(case, action):
        raise InvalidTransition(f"incident {case.code} is already at district level, the "
                                "highest command centre", details={"level": case.level})
    if action.needs_reason and not (change.note or "").strip():
        raise InvalidInput(f"say why you {action.name} the case (note)", where="note")
    return role


def _role_for(principal: Principal, action: Action) -> str | None:
    if "*" in principal.permissions:
        return "admin"
    if not principal.can("incidents:write"):
        return None
    return next((r for r in sorted(principal.roles) if r in action.roles), None)


def _in_area(principal: Principal, case: Incident) -> bool:
    """A case belongs to the command centre of its level: a village case to whoever covers
    its cell, a case escalated to town or district only to whoever covers that region."""
    if principal.unrestricted:
        return True
    code = {"village": case.village_code, "town": case.town_code,
            "district": case.district_code}[case.level]
    if case.level == "village" and case.cell_id is not None and case.cell_code:
        return covers_cell_code(principal, case.cell_code)
    return code is not None and covers_region_code(principal, code)


def _level_allows(case: Incident, action: Action) -> bool:
    return action.name != "escalate" or case.level != LEVELS[-1]


def _apply(session: Session, case: Incident, action: Action, change: Change, *,
           calendar: WorkCalendar, now: dt.datetime, yellow_share: float) -> None:
    """The action's own effect beyond the status."""
    category = session.get(IncidentCategory, case.category_id)
    if action.name == "dispatch":
        if change.assignee_id is not None:
            staff = session.get(Staff, change.assignee_id)
            if staff is None or not staff.active:
                raise InvalidInput(f"staff {change.assignee_id} does not exist or is not "
                                   "active", where="assignee_id")
            case.assigned_staff_id = change.assignee_id
        timers.start_clock(case, category, calendar=calendar, now=now, yellow_share=yellow_share)
    elif action.name == "escalate":
        timers.escalate(case, category, calendar=calendar, now=now, yellow_share=yellow_share)
    elif action.name == "close":
        case.closed_at = now
    elif action.name == "reopen":
        case.closed_at = None
    elif action.name == "evaluate":
        if change.evaluation is None or not 1 <= change.evaluation <= 5:
            raise InvalidInput("an evaluation is a score from 1 to 5", where="evaluation")
        case.evaluation = change.evaluation
    elif action.name == "merge":
        _merge_into(session, case, change)
    elif action.name == "reject":
        case.closed_at = now


def _merge_into(session: Session, case: Incident, change: Change) -> None:
    """Merge keeps both cases: this one points at the survivor (its citizen follows it)."""
    if change.into_id is None or change.into_id == case.id:
        raise InvalidInput("merge needs into_id, another case that survives", where="into_id")
    survivor = session.get(Incident, change.into_id)
    if survivor is None:
        raise NotFound(f"incident {change.into_id} does not exist or is outside your area",
                       where="into_id")
    if survivor.status not in OPEN or survivor.duplicate_of is not None:
        raise InvalidTransition(f"incident {survivor.code} is {survivor.status}: merge into "
                                "an open case", details={"into_status": survivor.status})
    case.duplicate_of = survivor.id
