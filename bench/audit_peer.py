"""The staffing standards computed in pandas from the raw tables: the independent reference
for tests/gis/test_audit_demo_pandas.py and the peer of bench/audit.py.

Per cell only (no region rollups, worker list or trends): households are counted from
household_cells (not the maintained rollups), posts and special-population records are
read whole and filtered in pandas."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import text


def read(session, sql: str) -> pd.DataFrame:
    return pd.read_sql(text(sql), session.connection())


def pandas_audit(session, s, *, today: dt.date | None = None) -> pd.DataFrame:
    """The standards, per cell, in pandas over the raw tables."""
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
    rules = [c for c in out.columns if c.startswith("pass_")]
    out["rules_failed"] = sum((out[r] == False).astype(int) for r in rules)  # noqa: E712
    return out.drop(columns="id")
