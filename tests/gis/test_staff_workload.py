"""Workload from cases in the staffing audit: open, overdue, closure rate and median time to
close per worker, cell and region, at the edges of the deadline and of the window."""
from __future__ import annotations

import datetime as dt

import pytest

from gis.auth.principal import Principal
from gis.errors import InvalidInput
from gis.staff.audit import run_audit
from gis.staff.standards import load_standards
from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, WEST_CODE
from tests.staff_fixtures import add_case, hire

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)
ADMIN = Principal(username="root", permissions=frozenset({"*"}))
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def audit(db, **kw):
    return run_audit(db, principal=kw.pop("principal", ADMIN), now=NOW,
                     standards=load_standards(), **kw)


def cell(result, code):
    return next(c for c in result["cells"] if c["code"] == code)


def worker(result, staff_id):
    return next(w for w in result["workload"]["workers"] if w["staff_id"] == staff_id)


def test_overdue_is_the_red_light_at_the_deadline(db, three_cells):
    west = three_cells["west"]
    li = hire(db, name="李", cells=[WEST_CODE], role="fulltime_worker")
    start = NOW - 10 * HOUR
    add_case(db, west, status="handling", staff=li, dispatched=start, due=NOW)  # due this moment
    add_case(db, west, status="dispatched", staff=li, dispatched=start,
             due=NOW + dt.timedelta(seconds=1))  # one second to go
    add_case(db, west, status="reported")  # open, no clock yet
    add_case(db, west, status="closed", staff=li, dispatched=start, due=NOW - HOUR,
         closed=NOW - 2 * HOUR)  # past its deadline but closed: neither open nor overdue
    result = audit(db)
    w = cell(result, WEST_CODE)
    assert (w["open_cases"], w["overdue_cases"]) == (3, 1)
    assert (worker(result, li)["open_cases"], worker(result, li)["overdue_cases"]) == (2, 1)
    assert worker(result, li)["name"] == "李"
    assert cell(result, MIDDLE_CODE)["open_cases"] == 0  # no case: zeros, not missing


def test_closure_rate_and_median_over_the_window_edge(db, three_cells):
    west, middle = three_cells["west"], three_cells["middle"]
    li = hire(db, name="李", cells=[WEST_CODE], role="fulltime_worker")
    wang = hire(db, name="王", cells=[MIDDLE_CODE], role="fulltime_worker")
    edge = NOW - 90 * DAY  # the window's first moment counts
    add_case(db, west, status="closed", staff=li, dispatched=edge, closed=edge + 10 * HOUR)
    add_case(db, west, status="evaluated", staff=li, dispatched=NOW - 5 * DAY,
         closed=NOW - 5 * DAY + 20 * HOUR)
    add_case(db, west, status="handling", staff=li, dispatched=NOW - DAY)
    add_case(db, west, status="merged", staff=li, dispatched=NOW - DAY)  # not the worker's any more
    # dispatched one second before the window: not received; closed one second before
    # it: not timed
    second = dt.timedelta(seconds=1)
    add_case(db, middle, status="handling", staff=wang, dispatched=edge - second)
    add_case(db, middle, status="closed", staff=wang, dispatched=edge - 5 * HOUR,
         closed=edge - second)
    add_case(db, middle, status="closed", staff=wang, dispatched=NOW - 3 * DAY,
         closed=NOW - 3 * DAY + 30 * HOUR)
    result = audit(db)
    lw = worker(result, li)
    assert (lw["received_cases"], lw["closed_cases"], float(lw["closure_rate"])) == (3, 2, 0.667)
    assert lw["median_hours_to_close"] == 15  # (10 + 20) / 2
    ww = worker(result, wang)
    assert (ww["received_cases"], ww["closed_cases"], ww["median_hours_to_close"]) == (1, 1, 30)
    # the village and the whole area: figures of the cases, not means of the cells' figures
    village = next(r for r in result["regions"] if r["level"] == "village")
    assert (village["received_cases"], village["closed_cases"]) == (4, 3)
    assert village["median_hours_to_close"] == 20  # of 10, 20, 30
    assert float(result["workload"]["totals"]["closure_rate"]) == 0.75
    assert cell(result, EAST_CODE)["closure_rate"] is None  # nothing received: no rate
    # a shorter window (the API's ?workload_days=) leaves the edge case out
    week = audit(db, workload_days=7)
    assert worker(week, li)["received_cases"] == 2 and week["workload"]["window_days"] == 7


def test_workers_are_listed_most_overdue_first_and_cases_stay_with_their_cell(db, three_cells):
    west, east = three_cells["west"], three_cells["east"]
    li = hire(db, name="李", cells=[WEST_CODE], role="fulltime_worker")
    zhao = hire(db, name="赵", cells=[EAST_CODE], role="fulltime_worker")
    add_case(db, west, status="handling", staff=li, dispatched=NOW - DAY)
    add_case(db, west, status="handling", staff=li, dispatched=NOW - DAY)
    add_case(db, east, status="handling", staff=zhao, dispatched=NOW - DAY, due=NOW - HOUR)
    add_case(db, east, status="handling", staff=li, dispatched=NOW - DAY)  # helping next door
    result = audit(db)
    assert [w["staff_id"] for w in result["workload"]["workers"]] == [zhao, li]
    assert worker(result, li)["cells"] == [WEST_CODE, EAST_CODE]
    assert (cell(result, EAST_CODE)["open_cases"], cell(result, WEST_CODE)["open_cases"]) == (
        2, 2)
    # a town manager elsewhere sees none of these cases
    scoped = Principal(username="mgr", permissions=frozenset({"audit:read"}),
                       region_codes=("500151002000",), everywhere=False)
    elsewhere = audit(db, principal=scoped)
    assert elsewhere["workload"]["workers"] == [] and elsewhere["cells"] == []


def test_the_window_is_configurable_and_checked(db, three_cells, tmp_path):
    shipped = load_standards().model_dump()
    shipped["workload"] = {"window_days": 30}
    rules = type(load_standards()).model_validate(shipped)
    result = run_audit(db, principal=ADMIN, now=NOW, standards=rules)
    assert result["workload"]["window_days"] == 30
    assert result["workload"]["window_from"].startswith("2026-05-16")
    with pytest.raises(InvalidInput, match="workload window"):
        audit(db, workload_days=0)
