"""Time limits in working time (weekends, public holidays, make-up days), the light, and
the sweeper: escalation with a frozen clock, two sweepers at once, a restart."""
from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from gis.db import sqlalchemy_url
from gis.db_roles import with_login
from gis.incidents import calendar as work_calendar
from gis.incidents import sweeper, timers
from gis.settings import IncidentSettings
from tests.incident_fixtures import act, as_caller, beijing, principal, report

ADMIN = principal("admin")


@pytest.fixture(scope="module")
def calendar() -> work_calendar.WorkCalendar:
    """The calendar as the migration seeds it, with the default office hours (7.5 h)."""
    return work_calendar.WorkCalendar(exceptions={
        day: workday for day, workday, _ in work_calendar.package_exceptions()})


@pytest.mark.parametrize(("start", "deadline"), [
    # Friday afternoon: 1.5 h on Friday, the weekend off, 6.5 h on Monday
    (beijing(2026, 9, 11, 16, 0), beijing(2026, 9, 14, 16, 30)),
    # Thursday before the Mid-Autumn Festival (Friday 25 September) and a weekend
    (beijing(2026, 9, 24, 16, 0), beijing(2026, 9, 28, 16, 30)),
    # the eve of National Day: 1 to 7 October off, back on Thursday the 8th
    (beijing(2026, 9, 30, 16, 0), beijing(2026, 10, 8, 16, 30)),
    # Saturday 10 October 2026 is a make-up working day (调休上班)
    (beijing(2026, 10, 9, 16, 0), beijing(2026, 10, 10, 16, 30)),
    # reported at night: the clock waits for the office to open, skips the lunch break,
    # and a working day holds 7.5 h
    (beijing(2026, 9, 15, 22, 0), beijing(2026, 9, 17, 9, 0)),
])
def test_eight_working_hours(calendar, start, deadline):
    assert calendar.add(start, 8, working=True) == deadline
    assert calendar.elapsed(start, deadline, working=True) == pytest.approx(8)
    assert calendar.add(start, 8, working=False) == start + dt.timedelta(hours=8)


def test_a_year_the_calendar_does_not_know_counts_weekends_and_warns(calendar, caplog):
    with caplog.at_level(logging.WARNING, logger="onegrid.incidents"):
        # 2031-10-01 is a Wednesday: unknown holidays, so a plain working day
        assert calendar.add(beijing(2031, 9, 30, 17, 0), 1, working=True) == \
            beijing(2031, 10, 1, 9, 0)
    assert "no holidays are known for 2031" in caplog.text


def test_the_migrated_calendar_is_the_packages(db):
    loaded = work_calendar.load(db)
    assert loaded.is_workday(dt.date(2026, 10, 10)) and not loaded.is_workday(
        dt.date(2026, 10, 5))
    assert len(loaded.exceptions) > 300


@pytest.fixture()
def eight_working_hours(db):
    """A category whose 8-hour limit counts working time."""
    db.execute(text("INSERT INTO incident_categories (code, name_zh, name_en,"
                    " time_limit_hours, department, triage, working_time) VALUES"
                    " ('test.paperwork', '材料', 'paperwork', 8, 'office', 'minor', true)"))
    db.flush()
    return "test.paperwork"


def sweep(db, now):
    return sweeper.run(db, settings=IncidentSettings(), now=now)


def test_escalation_waits_out_the_holiday_then_goes_up_once_per_deadline(
        db, dispatch_world, eight_working_hours, logins):
    as_caller(db, ADMIN, logins)
    eve = beijing(2026, 9, 30, 16, 0)
    case_id = report(db, ADMIN, category=eight_working_hours, now=eve)["id"]
    act(db, ADMIN, case_id, "register", now=eve)
    case = act(db, ADMIN, case_id, "dispatch", now=eve)
    assert case.due_at == beijing(2026, 10, 8, 16, 30)
    assert case.yellow_at == beijing(2026, 10, 8, 14, 30)  # 6 of 8 working hours

    assert case.light == "green"
    for now, light, changed in ((beijing(2026, 10, 5, 12, 0), "green", 0),  # a holiday
                                (beijing(2026, 10, 8, 14, 30), "yellow", 1),
                                (beijing(2026, 10, 8, 16, 29), "yellow", 0)):
        assert timers.light(case, now=now) == light
        swept = sweep(db, now)
        assert (swept.escalated, swept.lights_changed) == ([], changed)
        db.refresh(case)
        assert case.light == light  # as announced to the consoles
    assert case.level == "village"

    overdue = beijing(2026, 10, 8, 16, 31)
    assert timers.light(case, now=overdue) == "red"
    assert sweep(db, overdue).escalated == [case.code]
    db.refresh(case)
    # the town gets a fresh 8 working hours: 59 min on Thursday, 7 h 1 min on Friday
    assert (case.level, case.due_at) == ("town", beijing(2026, 10, 9, 17, 1))
    assert sweep(db, overdue + dt.timedelta(minutes=5)).escalated == []
    assert sweep(db, beijing(2026, 10, 9, 17, 2)).escalated == [case.code]
    db.refresh(case)
    assert case.level == "district"
    assert sweep(db, beijing(2026, 12, 31, 12, 0)).escalated == []  # no level above
    log = db.execute(text("SELECT actor, role, level, note FROM incident_transitions"
                          " WHERE incident_id = :id AND action = 'escalate' ORDER BY id"),
                     {"id": case_id}).all()
    assert [(r.actor, r.role, r.level) for r in log] == [
        (timers.SYSTEM_ACTOR, "system", "town"), (timers.SYSTEM_ACTOR, "system", "district")]
    assert "escalated from village to town" in log[0].note


def test_a_case_not_yet_dispatched_has_no_clock(db, dispatch_world, logins):
    as_caller(db, ADMIN, logins)
    case_id = report(db, ADMIN)["id"]
    act(db, ADMIN, case_id, "register")
    assert sweep(db, beijing(2027, 1, 1, 0, 0)).escalated == []


# ---------------------------------------------------------------- committed: other sessions
def escalations(factory) -> dict[str, int]:
    with factory() as session:
        sweeper.run(session, settings=IncidentSettings(), now=beijing(2026, 10, 8, 0, 0))
        return dict(session.execute(text(
            "SELECT i.code, count(t.id) FROM incidents i LEFT JOIN incident_transitions t"
            " ON t.incident_id = i.id AND t.action = 'escalate' GROUP BY i.code")).all())


def test_two_sweepers_at_once_escalate_each_case_once(committed_cases):
    late = beijing(2026, 10, 8, 13, 0)
    first, second = committed_cases(), committed_cases()
    try:
        first.begin()
        won = sweeper.run(first, settings=IncidentSettings(), now=late)
        # the first has not committed: the second finds the lock taken and does nothing
        lost = sweeper.run(second, settings=IncidentSettings(), now=late)
        assert won.swept and sorted(won.escalated) == ["SJ-0", "SJ-1"]
        assert not lost.swept and lost.escalated == []
        second.rollback()
        first.commit()
        # after the commit the lock is free, and nothing is overdue any more
        again = sweeper.run(second, settings=IncidentSettings(), now=late)
        assert again.swept and again.escalated == []
        second.commit()
    finally:
        first.close()
        second.close()
    assert escalations(committed_cases) == {"SJ-0": 1, "SJ-1": 1}


def test_a_restart_loses_no_timer(committed_cases, committed_grid_url, logins):
    # A worker sweeps before the deadline and stops; nothing is held in memory.
    before = sweeper.sweep_once(committed_cases, settings=IncidentSettings(),
                                now=beijing(2026, 10, 8, 11, 59))
    assert before.swept and before.escalated == []
    committed_cases.kw["bind"].dispose()
    # A new process (new engine, new connections) sweeps after the deadline.
    app_url = with_login(committed_grid_url, user=logins.names.app,
                         password=logins.app_password)
    restarted = sessionmaker(create_engine(sqlalchemy_url(app_url)))
    try:
        after = sweeper.sweep_once(restarted, settings=IncidentSettings(),
                                   now=beijing(2026, 10, 8, 12, 1))
        assert sorted(after.escalated) == ["SJ-0", "SJ-1"]
        assert escalations(restarted) == {"SJ-0": 1, "SJ-1": 1}
    finally:
        restarted.kw["bind"].dispose()


def test_the_cli_sweep_is_a_dry_run_unless_committed(committed_cases, committed_grid_url,
                                                     monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from gis.cli.main import app

    monkeypatch.setenv("DATABASE_URL", committed_grid_url)
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "cli-test-secret-key-0123456789abcdef")
    dry = CliRunner().invoke(app, ["incidents", "sweep"])
    assert dry.exit_code == 0, dry.output
    assert "would escalate (dry run; --commit to write) 2 overdue case(s): SJ-0, SJ-1" in \
        dry.output
    assert escalations(committed_cases) == {"SJ-0": 0, "SJ-1": 0}
    done = CliRunner().invoke(app, ["incidents", "sweep", "--commit"])
    assert "escalated 2 overdue case(s)" in done.output
    assert escalations(committed_cases) == {"SJ-0": 1, "SJ-1": 1}


def test_an_administrator_extends_the_calendar_for_a_new_year(committed_grid_url,
                                                              monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from gis.cli.main import app

    monkeypatch.setenv("DATABASE_URL", committed_grid_url)
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "cli-test-secret-key-0123456789abcdef")
    runner = CliRunner()
    unknown = runner.invoke(app, ["incidents", "calendar", "show", "2031"])
    assert "no holidays are known for 2031" in unknown.output
    assert "would be (dry run)" in runner.invoke(
        app, ["incidents", "calendar", "set", "2031-01-01", "--holiday"]).output
    done = runner.invoke(app, ["incidents", "calendar", "set", "2031-01-01", "--holiday",
                               "--note", "元旦", "--commit"])
    assert done.exit_code == 0, done.output
    assert "2031-01-01 holiday 元旦" in runner.invoke(
        app, ["incidents", "calendar", "show", "2031"]).output
    seeded = runner.invoke(app, ["incidents", "calendar", "seed"])
    assert "would add (dry run; --commit to write) 0 day(s)" in seeded.output  # all migrated
    bad = runner.invoke(app, ["incidents", "calendar", "set", "2031-02-30", "--workday"])
    assert bad.exit_code != 0
