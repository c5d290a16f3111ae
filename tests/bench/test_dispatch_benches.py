"""The dispatch benchmarks run in a tiny mode on a committed two-cell grid, and their two
sides give the same output. No figure is asserted: this proves they run, not how fast."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench import dispatch_fanout, dispatch_intake, dispatch_sweep
from gis.db import sqlalchemy_url
from gis.db_roles import with_login
from tests.factories import VILLAGE


@pytest.fixture()
def bench_db(committed_grid_url, logins, monkeypatch, tmp_path):
    """(owner URL, the service's URL) of the committed grid, with a grid head on duty in
    the west cell; the bench's servers are pointed at it (and keep their state in tmp)."""
    app_url = with_login(committed_grid_url, user=logins.names.app,
                         password=logins.app_password)
    monkeypatch.setenv("DATABASE_URL", committed_grid_url)
    monkeypatch.setenv("ONEGRID_DATABASE__APP_URL", app_url)
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret-key-not-for-production")
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with Session(engine) as session, session.begin():
        staff = session.execute(text(
            "INSERT INTO staff (name) VALUES ('王网格长') RETURNING id")).scalar_one()
        session.execute(text(
            "INSERT INTO staff_assignments (staff_id, cell_code, role_code, valid_from)"
            " VALUES (:s, :c, 'grid_head', DATE '2026-01-01')"),
            {"s": staff, "c": VILLAGE + "001"})
    engine.dispose()
    return committed_grid_url, app_url


def scalar(url: str, sql: str):
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_intake_both_sides_store_the_same_rows_and_answer_alike(bench_db):
    owner, app = bench_db
    result = dispatch_intake.run(owner, app, rounds=1, seconds=1, points=4, compared=4)
    assert result["compared"] == 4 and result["differences"] == []
    assert result["positions"] == 1  # the grid head's, made for nearest-staff routing
    for side in ("ours", "peer"):
        [load] = result["runs"][side]
        assert not isinstance(load, str), load  # a failure is recorded as text
        assert load.requests > 0 and load.errors == 0
    # every report was located in a cell, on both sides, and logged once
    assert scalar(owner, "SELECT count(*) FROM incidents WHERE cell_code IS NULL") == 0
    assert scalar(owner, "SELECT count(*) FROM incidents") == scalar(
        owner, "SELECT count(*) FROM incident_transitions WHERE action = 'report'")
    assert "same rows and answers" in dispatch_intake.report_rows(result)[0][4]


def test_fanout_every_console_sees_every_case_on_both_sides(bench_db):
    owner, app = bench_db
    result = dispatch_fanout.run(owner, app, consoles=5, cases=3, rounds=1, wait_s=10,
                                 interval=0.5)
    ours, peer = result["sides"]["ours"], result["sides"]["peer"]
    assert len(ours.last) == len(peer.last) == 3
    assert ours.missed == peer.missed == 0 and peer.errors == 0
    assert len(ours.each) == len(peer.each) == 5 * 3
    assert scalar(owner, "SELECT count(*) FROM incidents WHERE code LIKE 'BENCH-FAN-%'") == 0
    assert dispatch_fanout.report_rows(result)[0][4] == "every console saw every case"


def test_sweep_ours_and_the_loop_escalate_the_same_cases_alike(bench_db):
    owner, app = bench_db
    result = dispatch_sweep.run(owner, app, cases=50, rounds=1)
    ours, peer = result["sides"]["ours"], result["sides"]["peer"]
    assert result["equal"]  # same open cases after, same log rows
    assert ours.escalated == peer.escalated > 0 and ours.lights == peer.lights
    assert len(ours.outcomes) == len(peer.outcomes) == 1
    # the sweeps were rolled back and the bench's cases removed
    assert scalar(owner, "SELECT count(*) FROM incidents") == 0
    assert scalar(owner, "SELECT count(*) FROM incident_transitions") == 0
