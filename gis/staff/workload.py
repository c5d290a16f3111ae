"""Workload from cases in the staffing audit: open and overdue cases, closure rate and median
time to close per worker, cell, region and the whole area (gis/sql/audit_workload.sql)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gis.sql import query

FIGURES = ("open_cases", "overdue_cases", "received_cases", "closed_cases", "closure_rate",
           "median_hours_to_close")
EMPTY = dict.fromkeys(FIGURES, 0) | {"closure_rate": None, "median_hours_to_close": None}
DEFINITIONS = {
    "open_cases": "cases not finished (reported to verified), as of the audit",
    "overdue_cases": "open cases whose clock runs and whose deadline has passed (red light)",
    "received_cases": "cases dispatched within the window, not merged, rejected or cancelled",
    "closed_cases": "of the cases received, those closed (or closed and evaluated)",
    "closure_rate": "closed_cases / received_cases",
    "median_hours_to_close": "median hours from dispatch to close of the cases closed "
                             "within the window",
}
DEFINITIONS_ZH = {
    "open_cases": "截至统计时点未办结的事件（上报至核查）",
    "overdue_cases": "在办且已超过办理时限的事件（红灯）",
    "received_cases": "统计期内派遣的事件（不含合并、不予受理、撤销）",
    "closed_cases": "其中已结案（含已评价）的事件",
    "closure_rate": "结案数 / 派遣数",
    "median_hours_to_close": "统计期内结案事件从派遣到结案的小时数中位数",
}


def measure(session: Session, *, now: dt.datetime, window_days: int) -> dict:
    """The workload of the cells in audit_cells (this audit's temporary table), by level."""
    window_start = now - dt.timedelta(days=window_days)
    rows = session.execute(query("audit_workload"), {
        "now": now, "window_start": window_start}).mappings()
    by_level: dict[str, dict] = {"cell": {}, "district": {}, "town": {}, "village": {},
                                 "worker": {}, "total": {}}
    for row in rows:
        by_level[row["level"]][row["code"]] = dict(row)
    workers = sorted(
        ({"staff_id": w["staff_id"], "name": w["name"], "cells": w["case_cells"],
          **{k: w[k] for k in FIGURES}} for w in by_level["worker"].values()),
        key=lambda w: (-w["overdue_cases"], -w["open_cases"], w["staff_id"]))
    total = next(iter(by_level["total"].values()), EMPTY)
    return {"status": "ok", "window_days": window_days,
            "window_from": window_start.isoformat(), "window_to": now.isoformat(),
            "definitions": DEFINITIONS, "definitions_zh": DEFINITIONS_ZH,
            "totals": {k: total[k] for k in FIGURES}, "workers": workers,
            "by_level": by_level}


def merge(measured: dict, *, cells: list[dict], regions: list[dict]) -> dict:
    """Each cell and region row gets its workload figures (zeros where it had no case);
    returns the workload section of the answer (totals, workers, definitions)."""
    by_level = measured.pop("by_level")
    for c in cells:
        found = by_level["cell"].get(c["code"], EMPTY)
        c.update({k: found[k] for k in FIGURES})
    for r in regions:
        found = by_level[r["level"]].get(r["code"], EMPTY)
        r.update({k: found[k] for k in FIGURES})
    return measured
