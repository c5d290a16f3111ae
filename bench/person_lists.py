"""Person-data lists as a town manager, a grid worker and the administrator, in-process.

Ours only (no peer): list_persons and list_special (the services behind GET /persons and
GET /special-populations; the default page of 1,000 rows, then the same with
numberMatched), a bare count of high-concern records and an update of one record (its
cell's rollup refreshed by the trigger), as the app role with row-level security on,
each caller in their own transaction, rolled back (neither the access-log entries the
lists write nor the update are kept). What it shows is what the person-data policies
cost each kind of caller (migrations/sql/0030_person_policies_upgrade.sql).

    ONEGRID_DATABASE__DATA_DIR=... .venv/bin/python -m bench.person_lists [--rounds 5]

Last run (2026-12-02, district demo: 100,000 households, 269,429 persons, 18,752 records;
2 shared cores, load average ~3; ms, median of 5; before = 0020_staff_audit's policies,
after = 0030_person_policies):
  town manager (7 cells): special page 335 -> 52 · special page + count 704 -> 110 ·
    count high-concern 44 -> 23 · persons page 52 -> 47 · persons page + count 80 -> 64 ·
    update one record 104..139 -> 103..114
  grid worker (1 cell): special page 30 -> 13 · special page + count 46 -> 20 ·
    persons page + count 45 -> 30 · update one record 50..78 -> 48..49
  admin: unchanged within the spread (persons page ~30, special page ~45-55), except
    special page + count 170..195 -> 234..253 and update one record 60..63 -> 78..91
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import app_database_url, print_table
from gis.auth.principal import Principal
from gis.auth.rls import scope_session
from gis.db import make_engine
from gis.grid.service import Page
from gis.people.persons import list_persons
from gis.people.special import list_special

EVERYONE = frozenset({"*"})
NO_FILTER = {"cell": None, "region": None, "category": None, "concern_level": None}


def callers(engine) -> list[tuple[str, Principal]]:
    admin = Principal(username="bench", permissions=EVERYONE)
    with Session(engine) as session, session.begin():
        scope_session(session, admin)
        town = session.execute(text(
            "SELECT code FROM regions WHERE level = 'town' ORDER BY code LIMIT 1")).scalar()
        cell = session.execute(text(
            "SELECT code FROM grid_cells WHERE starts_with(code, :town) ORDER BY code LIMIT 1"),
            {"town": town[:9]}).scalar()
    return [("admin", admin),
            (f"town manager {town}", Principal(username="bench-town", permissions=EVERYONE,
                                               region_codes=(town,), everywhere=False)),
            (f"grid worker {cell}", Principal(username="bench-worker", permissions=EVERYONE,
                                              cell_codes=(cell,), everywhere=False))]


def timed(engine, principal: Principal, work, n: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(n):
        with Session(engine) as session:
            session.begin()
            scope_session(session, principal)
            started = time.perf_counter()
            result = work(session, principal)
            times.append(time.perf_counter() - started)
            session.rollback()
    return times, result


WORK = {
    "persons page": lambda s, p: len(list_persons(s, principal=p, reason="bench",
                                                  client=None)["items"]),
    "persons page + count": lambda s, p: list_persons(
        s, principal=p, reason="bench", client=None, page=Page(count=True))["numberMatched"],
    "special page": lambda s, p: len(list_special(s, principal=p, reason="bench",
                                                  client=None, **NO_FILTER)["items"]),
    "special page + count": lambda s, p: list_special(
        s, principal=p, reason="bench", client=None, page=Page(count=True),
        **NO_FILTER)["numberMatched"],
    "count high-concern": lambda s, p: s.execute(text(
        "SELECT count(*) FROM special_population_records WHERE concern_level = 'high'"
    )).scalar(),
    # a write: the caller's first record changes level; the statement trigger refreshes
    # its cell's rollup, reading persons and records under the same policies
    "update one record": lambda s, p: s.execute(text(
        "UPDATE special_population_records SET concern_level = CASE concern_level "
        "WHEN 'high' THEN 'low' ELSE 'high' END "
        "WHERE id = (SELECT min(id) FROM special_population_records)")).rowcount,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine(app_database_url(), pool_size=2)
    rows = []
    for who, principal in callers(engine):
        for what, work in WORK.items():
            times, result = timed(engine, principal, work, args.rounds)
            rows.append([who, what, f"{statistics.median(times) * 1000:.1f}",
                         f"{min(times) * 1000:.0f}..{max(times) * 1000:.0f}", result])
    engine.dispose()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"commit {commit}; load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds, "
          "as the app role (RLS on); nothing kept")
    print_table("person-data lists (ms)", ["caller", "what", "median", "min..max", "rows"],
                rows)


if __name__ == "__main__":
    main()
