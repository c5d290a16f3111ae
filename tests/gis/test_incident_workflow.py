"""The case's life: every action from every state it applies to, by every role, inside and
outside the caller's area (and level); stamped and logged; stale versions refused."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from gis.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleEdit
from gis.incidents.workflow import ACTIONS, InvalidTransition
from gis.reference import ROLES
from tests.incident_fixtures import (
    EAST_CELL,
    EAST_POINT,
    OTHER_TOWN,
    THURSDAY,
    TOWN,
    VILLAGE,
    WEST_CELL,
    act,
    as_caller,
    principal,
    report,
)

ADMIN = principal("admin")
# How an administrator brings a fresh case to each state.
PATH = ["register", "dispatch", "handle", "feedback", "verify", "close", "evaluate"]
STATE_AFTER = dict(zip(["reported", "registered", "dispatched", "handling", "feedback",
                        "verified", "closed", "evaluated"], range(8), strict=True))
DETAILS = {"evaluate": {"evaluation": 4}}


def case_in(db, status: str, *, point=None) -> int:
    case = report(db, ADMIN, **({"point": point} if point else {}))
    for action in PATH[:STATE_AFTER[status]]:
        act(db, ADMIN, case["id"], action, **DETAILS.get(action, {}))
    return case["id"]


def log_of(db, incident_id: int) -> list[tuple]:
    return db.execute(text("SELECT action, from_status, to_status, level, actor, role"
                           " FROM incident_transitions WHERE incident_id = :id ORDER BY id"),
                      {"id": incident_id}).all()


def test_the_seven_steps_and_evaluation_each_stamped_in_the_log(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    case_id = report(db, ADMIN)["id"]
    dispatcher = principal("dispatcher", VILLAGE, name="赵调度")
    worker = principal("grid_worker", WEST_CELL, name="李网格员")
    as_caller(db, dispatcher, logins)
    steps = [(dispatcher, "register", {}),
             (dispatcher, "dispatch", {"assignee_id": dispatch_world["staff"]["worker"]}),
             (worker, "handle", {}), (worker, "feedback", {}), (dispatcher, "verify", {}),
             (dispatcher, "close", {}), (dispatcher, "evaluate", {"evaluation": 5})]
    for n, (who, action, details) in enumerate(steps):
        as_caller(db, who, logins)
        case = act(db, who, case_id, action, now=THURSDAY + dt.timedelta(minutes=n),
                   note=None, **details)
    assert case.status == "evaluated" and case.version == 8 and case.evaluation == 5
    assert case.assigned_staff_id == dispatch_world["staff"]["worker"]
    assert case.due_at == THURSDAY + dt.timedelta(minutes=1, hours=12)  # vendor: 12 h
    assert case.closed_at == THURSDAY + dt.timedelta(minutes=5)
    assert [(a, f, t, r) for a, f, t, _, _, r in log_of(db, case_id)] == [
        ("report", None, "reported", "admin"),
        ("register", "reported", "registered", "dispatcher"),
        ("dispatch", "registered", "dispatched", "dispatcher"),
        ("handle", "dispatched", "handling", "grid_worker"),
        ("feedback", "handling", "feedback", "grid_worker"),
        ("verify", "feedback", "verified", "dispatcher"),
        ("close", "verified", "closed", "dispatcher"),
        ("evaluate", "closed", "evaluated", "dispatcher")]
    assert {row[4] for row in log_of(db, case_id)[1:]} == {"赵调度", "李网格员"}


MOVES = [(name, source) for name, action in ACTIONS.items() for source in action.moves
         if source in STATE_AFTER]


@pytest.mark.parametrize(("action", "source"), MOVES)
def test_every_move_from_every_state_it_applies_to(db, dispatch_world, logins, action, source):
    as_caller(db, ADMIN, logins)
    case_id = case_in(db, source)
    details = dict(DETAILS.get(action, {}))
    if action == "merge":
        details["into_id"] = case_in(db, "registered")
    case = act(db, ADMIN, case_id, action, **details)
    expected = ACTIONS[action].moves[source] or source
    assert case.status == expected
    assert log_of(db, case_id)[-1][:3] == (action, source, expected)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_is_refused_from_a_state_it_does_not_apply_to(db, dispatch_world,
                                                                   logins, action):
    as_caller(db, ADMIN, logins)
    wrong = next(s for s in STATE_AFTER if s not in ACTIONS[action].moves)
    case_id = case_in(db, wrong)
    with pytest.raises(InvalidTransition, match=f"cannot {action} .* it is {wrong}"):
        act(db, ADMIN, case_id, action, into_id=case_in(db, "registered"),
            **DETAILS.get(action, {}))
    assert isinstance(InvalidTransition("x"), Conflict)  # a 409


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_which_role_may_take_which_action(db, dispatch_world, logins, action, role):
    as_caller(db, ADMIN, logins)
    source = next(s for s in ACTIONS[action].moves if s in STATE_AFTER)
    case_id = case_in(db, source)
    details = dict(DETAILS.get(action, {}))
    if action == "merge":
        details["into_id"] = case_in(db, "registered")
    who = principal(role, VILLAGE)
    as_caller(db, who, logins)
    allowed = role == "admin" or (role in ACTIONS[action].roles
                                  and "incidents:write" in ROLES[role][1])
    if allowed:
        assert act(db, who, case_id, action, **details).version > 1
    else:
        with pytest.raises(PermissionDenied, match=f"may not {action}"):
            act(db, who, case_id, action, **details)


def test_the_area_of_the_case_decides_who_may_act(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    west = case_in(db, "registered")
    east = case_in(db, "registered", point=EAST_POINT)
    west_worker = principal("grid_worker", WEST_CELL)
    for who in (principal("dispatcher", OTHER_TOWN), principal("grid_worker", EAST_CELL)):
        as_caller(db, who, logins)  # row-level security hides the case
        with pytest.raises(NotFound):
            act(db, who, west, "escalate")
    as_caller(db, west_worker, logins)
    with pytest.raises(NotFound):
        act(db, west_worker, east, "escalate")
    assert act(db, west_worker, west, "escalate").level == "town"
    # Now a town case: the village's dispatcher sees it but may no longer act on it.
    village_dispatcher = principal("dispatcher", VILLAGE)
    as_caller(db, village_dispatcher, logins)
    with pytest.raises(PermissionDenied, match="at town level, outside"):
        act(db, village_dispatcher, west, "dispatch")
    town_dispatcher = principal("dispatcher", TOWN)
    as_caller(db, town_dispatcher, logins)
    assert act(db, town_dispatcher, west, "dispatch").status == "dispatched"


def test_dispatch_to_someone_who_is_not_staff_is_refused(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    case_id = case_in(db, "registered")
    with pytest.raises(InvalidInput, match="staff 999999 does not exist"):
        act(db, ADMIN, case_id, "dispatch", assignee_id=999999)


def test_escalation_stops_at_the_district(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    case_id = case_in(db, "dispatched")
    assert act(db, ADMIN, case_id, "escalate").level == "town"
    assert act(db, ADMIN, case_id, "escalate").level == "district"
    with pytest.raises(InvalidTransition, match="already at district level"):
        act(db, ADMIN, case_id, "escalate")


@pytest.mark.parametrize("action", sorted(a for a in ACTIONS if ACTIONS[a].needs_reason))
def test_refusing_returning_escalating_reopening_merging_need_a_reason(db, dispatch_world,
                                                                      logins, action):
    as_caller(db, ADMIN, logins)
    source = next(s for s in ACTIONS[action].moves if s in STATE_AFTER)
    case_id = case_in(db, source)
    with pytest.raises(InvalidInput, match=f"say why you {action}"):
        act(db, ADMIN, case_id, action, note="  ", into_id=case_in(db, "registered"))


def test_merge_keeps_both_cases_linked(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    survivor, duplicate = case_in(db, "dispatched"), case_in(db, "reported")
    merged = act(db, ADMIN, duplicate, "merge", into_id=survivor, note="same stall")
    assert (merged.status, merged.duplicate_of) == ("merged", survivor)
    assert db.execute(text("SELECT status FROM incidents WHERE id = :id"),
                      {"id": survivor}).scalar() == "dispatched"
    closed = case_in(db, "closed")
    other = case_in(db, "reported")
    with pytest.raises(InvalidTransition, match="merge into an open case"):
        act(db, ADMIN, other, "merge", into_id=closed)


def test_a_change_based_on_an_old_version_is_refused(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    case_id = case_in(db, "reported")
    act(db, ADMIN, case_id, "register", expected_version=1)
    with pytest.raises(StaleEdit, match="at version 2 .registered., your change was based "
                                        "on version 1"):
        act(db, ADMIN, case_id, "reject", expected_version=1)


def test_the_log_cannot_be_rewritten(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    case_id = case_in(db, "registered")
    with pytest.raises(Exception, match="append-only|not allowed|refuse"), db.begin_nested():
        db.execute(text("DELETE FROM incident_transitions WHERE incident_id = :id"),
                   {"id": case_id})
