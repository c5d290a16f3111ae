"""Two dispatchers move the same case at the same moment, on two connections: the first
wins, the second waits for its lock, then is refused (a 409) with the case's new state."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from gis.incidents import service, workflow
from gis.settings import IncidentSettings
from tests.incident_fixtures import beijing, principal

DISPATCHER = principal("dispatcher")


def handle(session, incident_id: int):
    return workflow.transition(
        session, incident_id=incident_id, change=workflow.Change(action="handle"),
        principal=DISPATCHER, calendar=service.load_calendar(session, IncidentSettings()),
        now=beijing(2026, 10, 8, 9, 0), yellow_share=0.75)


def test_concurrent_transitions_one_wins_the_other_is_refused(committed_cases):
    from gis.auth import rls

    first, second, watcher = committed_cases(), committed_cases(), committed_cases()
    for session in (first, second, watcher):
        rls.scope_session(session, DISPATCHER)
    case_id = watcher.execute(text("SELECT id FROM incidents WHERE code = 'SJ-0'")).scalar()
    watcher.commit()
    outcome: dict = {}

    def second_dispatcher():
        try:
            outcome["case"] = handle(second, case_id)
        except Exception as exc:  # noqa: BLE001 - the assertion below names what we expect
            outcome["error"] = exc
        finally:
            second.rollback()

    try:
        assert handle(first, case_id).status == "handling"  # locked, not yet committed
        thread = threading.Thread(target=second_dispatcher)
        thread.start()
        # Wait (without a clock) until the second transaction is blocked on the row lock.
        while not watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()")).scalar():
            watcher.rollback()
            assert thread.is_alive(), outcome
        first.commit()
        thread.join()
    finally:
        for session in (first, second, watcher):
            session.close()
    assert "case" not in outcome
    with pytest.raises(workflow.InvalidTransition, match="cannot handle .* it is handling"):
        raise outcome["error"]
    with committed_cases() as check:
        rls.scope_session(check, DISPATCHER)
        check.begin()
        assert check.execute(text("SELECT count(*) FROM incident_transitions"
                                  " WHERE incident_id = :id AND action = 'handle'"),
                             {"id": case_id}).scalar() == 1
