"""The staffing standards computed in pandas from the raw tables: the independent reference
for tests/gis/test_audit_demo_pandas.py and the peer of bench/audit.py.

Per cell only (no region rollups, worker list or trends), and the workload per worker:
households are counted from household_cells (not the maintained rollups), posts,
special-population records and cases are read whole and filtered in pandas."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import text


def read(session, sql: str) -> pd.DataFrame:
    return pd.read_sql(text(sql), session.connection())


OPEN = ("reported", "registered", "dispatched", "handling", "feedback", "verified")
CLOCKED = OPEN[1:]
CLOSED = ("closed", "evaluated")
GONE = ("merged", "rejected", "cancelled")


def cases_of(session, codes, *, now: dt.datetime, window_days: int) -> pd.DataFrame:
    """Every case located in one of these cells, with what the workload counts of it."""
    cases = read(session, "SELECT cell_code, assigned_staff_id, status, dispatched_at, due_at,"
                          " closed_at FROM incidents WHERE cell_code IS NOT NULL")
    cases = cases[cases.cell_code.isin(codes)].copy()
    now = pd.Timestamp(now)
    start = now - pd.Timedelta(days=window_days)
    for column in ("dispatched_at", "due_at", "closed_at"):
        cases[column] = pd.to_datetime(cases[column], utc=True)
    cases["open"] = cases.status.isin(OPEN)
    cases["overdue"] = cases.status.isin(CLOCKED) & (cases.due_at <= now)
    cases["received"] = ((cases.dispatched_at >= start) & (cases.dispatched_at <= now)
                         & ~cases.status.isin(GONE))
    cases["closed_received"] = cases.received & cases.status.isin(CLOSED)
    timed = cases.status.isin(CLOSED) & (cases.closed_at >= start) & (cases.closed_at <= now)
    cases["hours"] = ((cases.closed_at - cases.dispatched_at).dt.total_seconds() / 3600
                      ).where(timed)
    return cases


def workload_by(cases: pd.DataFrame, key: str, index) -> pd.DataFrame:
    """Open, overdue, received, closed, closure rate, median hours to close per key."""
    grouped = cases.groupby(key)
    out = pd.DataFrame({
        "open_cases": grouped.open.sum(), "overdue_cases": grouped.overdue.sum(),
        "received_cases": grouped.received.sum(),
        "closed_cases": grouped.closed_received.sum()}).reindex(index).fillna(0)
    rate = out.closed_cases / out.received_cases.where(out.received_cases > 0)
    out["closure_rate"] = rate.round(3)
    out["median_hours_to_close"] = grouped.hours.median().reindex(index).round(1)
    return out


def pandas_workers(session, s, codes, *, now: dt.datetime) -> pd.DataFrame:
    """The workload per assigned worker of the cases in these cells."""
    cases = cases_of(session, codes, now=now, window_days=s.workload.window_days)
    cases = cases[cases.assigned_staff_id.notna()]
    cases["assigned_staff_id"] = cases.assigned_staff_id.astype("int64")
    return workload_by(cases, "assigned_staff_id", sorted(cases.assigned_staff_id.unique()))


def pandas_audit(session, s, *, today: dt.date | None = None,
                 now: dt.datetime | None = None) -> pd.DataFrame:
    """The standards and the workload, per cell, in pandas over the raw tables."""
    moment = now or dt.datetime.now(dt.UTC)
    cells = read(session, "SELECT c.id, c.code FROM grid_cells c JOIN grid_generations g ON "
                          "g.status = 'active' AND c.generation_low <= g.id AND "
                          "(c.generation_high IS NULL OR c.generation_high >= g.id)")
    placed = read(session, "SELECT household_id, cell_id FROM household_cells")
    posts = read(session, "SELECT a.staff_id, a.cell_code, a.role_code, a.valid_from, "
                          "a.valid_to, s.active FROM staff_assignments a "
                          "JOIN staff s ON s.id = a.staff_id")
    records = read(session, "SELECT r.concern_level, r.helper_staff_id, r.last_visited_on, "
                            "r.end_date, p.household_id FROM special_population_records r "
                            "JOIN persons p ON p.id = r.person_id")
    today = pd.Timestamp(today or dt.date.today())
    posts["valid_from"] = pd.to_datetime(posts["valid_from"])
    posts["valid_to"] = pd.to_datetime(posts["valid_to"])
    now = posts[(posts.valid_from <= today) & (posts.valid_to.isna() | (posts.valid_to >= today))
                & posts.active]
    out = cells.set_index("code")
    out["households"] = placed.groupby("cell_id").size().reindex(out["id"]).fillna(0).to_numpy()
    def count(roles):
        chosen = now[now.role_code.isin(roles)]
        return chosen.groupby("cell_code").staff_id.nunique().reindex(out.index).fillna(0)
    out["grid_heads"] = count(["grid_head"])
    out["fulltime_workers"] = count(["fulltime_worker"])
    out["party_members"] = count(list(s.party_member.roles))
    town_posts = now[now.role_code.isin(s.one_town_per_worker.roles)].copy()
    town_posts["town"] = town_posts.cell_code.str[:9]
    towns = town_posts.groupby("staff_id").town.nunique()
    several = town_posts[town_posts.staff_id.isin(towns[towns > 1].index)]
    out["multi_town_workers"] = several.groupby("cell_code").staff_id.nunique() \
        .reindex(out.index).fillna(0)
    records["last_visited_on"] = pd.to_datetime(records["last_visited_on"])
    records["end_date"] = pd.to_datetime(records["end_date"])
    high = records[(records.concern_level == "high")
                   & (records.end_date.isna() | (records.end_date >= today))]
    high = high.merge(placed, on="household_id")
    high["no_helper"] = high.helper_staff_id.isna()
    high["overdue"] = high.last_visited_on.isna() | (
        high.last_visited_on < today - pd.Timedelta(days=s.high_concern_visit.within_days))
    by_cell = high.groupby("cell_id")[["no_helper", "overdue"]].sum()
    out["high_concern"] = high.groupby("cell_id").size().reindex(out["id"]).fillna(0).to_numpy()
    out["high_concern_without_helper"] = by_cell.no_helper.reindex(out["id"]).fillna(0).to_numpy()
    out["high_concern_overdue_visit"] = by_cell.overdue.reindex(out["id"]).fillna(0).to_numpy()
    top = s.households_per_fulltime.max_households
    out["pass_grid_head"] = out.grid_heads >= s.grid_head.min_per_cell
    out["pass_fulltime_worker"] = out.fulltime_workers >= s.fulltime_worker.min_per_cell
    out["pass_households_per_fulltime"] = out.households <= top * out.fulltime_workers
    out["pass_high_concern_helper"] = out.high_concern_without_helper == 0
    out["pass_high_concern_visit"] = out.high_concern_overdue_visit == 0
    big = out.households > s.party_member.min_households
    out["pass_party_member"] = np.where(big, out.party_members >= 1, None)
    out["pass_one_town_per_worker"] = out.multi_town_workers == 0
    needed = np.maximum(s.fulltime_worker.min_per_cell, np.ceil(out.households / top))
    out["vacancies"] = (np.maximum(s.grid_head.min_per_cell - out.grid_heads, 0)
                        + np.maximum(needed - out.fulltime_workers, 0)
                        + (big & (out.party_members < 1)).astype(int))
    links = read(session, "SELECT staff_id, cell_code, household_id, valid_from, valid_to "
                          "FROM party_households")
    links["valid_from"] = pd.to_datetime(links["valid_from"])
    links["valid_to"] = pd.to_datetime(links["valid_to"])
    registered = now[now.role_code.isin(s.party_member.roles)][["staff_id", "cell_code"]]
    links = links[(links.valid_from <= today) & (links.valid_to.isna() | (links.valid_to >= today))
                  ].merge(registered.drop_duplicates(), on=["staff_id", "cell_code"])
    out["party_households"] = links.groupby("cell_code").household_id.nunique() \
        .reindex(out.index).fillna(0)
    most = links.groupby(["cell_code", "staff_id"]).size().groupby("cell_code").max() \
        .reindex(out.index).fillna(0)
    out["households_per_party_member"] = (
        out.party_households / out.party_members.where(out.party_members > 0)).round(1)
    out["pass_households_per_party_member"] = np.where(
        out.party_members >= 1, most <= s.households_per_party_member.max_households, None)
    rules = [c for c in out.columns if c.startswith("pass_")]
    out["rules_failed"] = sum((out[r] == False).astype(int) for r in rules)  # noqa: E712
    cases = cases_of(session, out.index, now=moment, window_days=s.workload.window_days)
    out = out.join(workload_by(cases, "cell_code", out.index))
    return out.drop(columns="id")
