"""The staffing audit through the API against the same standards computed in pandas.

- ours: GET /audit/staffing on a running onegrid (uvicorn, one worker, dev mode: the
  development administrator, so the whole area), as the app role with row-level security
  on, timed until the whole JSON body has arrived (per cell: every standard, vacancies,
  workload; region rollups, named workers, 12 months of trends, workload per worker, cell
  and region). Also the same service in-process (no HTTP), and in-process as the manager
  of one town (row-level security narrows what every table yields; no peer row).
- peer: pandas after reading the raw tables as the same app role (scope_all on, so
  row-level security applies as for the administrator): the per-cell standards and the
  per-cell workload only, computed in memory (bench/audit_peer.py).

Not like for like, and it favours the peer: ours does more (region rollups, workers,
trends, JSON over HTTP); the peer counts households from household_cells where ours reads
the maintained cell_rollups. Within each round the three whole-area rows run in turn. The
per-cell answers of both (households, staff counts, party households, vacancies, rules
failed, open and overdue cases) are compared once, before timing. Nothing is written but
the access-log entry the audit leaves for the names it shows (its temporary table is
dropped). Goal (issue 16): GET /audit/staffing at most 2 s on the city demo.

    ONEGRID_DATABASE__DATA_DIR=... .venv/bin/python -m bench.audit [--rounds 5]

Figures: BENCHMARKS.md, section "Staffing audit", written by `make bench` (2 shared cores,
other work running: see its load averages). Last run by hand (2026-12-02, commit 24b7438,
load average 7-9 from others' work; ms, median of 5 (min..max); answers agreed on every cell):
  district demo (309 cells, 100,000 households, 2,476 staff, 6,024 party household links):
    GET /audit/staffing 304 (196..382) · service 275 · town manager (7 cells) 285 ·
    pandas peer 1,345 (1,198..2,143): ours / peer 0.23x.
  city demo (3,067 cells, 1,000,000 households, 19,152 staff, 60,378 links, 30,000 cases):
    GET /audit/staffing 3,682 (3,053..3,865) · service 3,894 (1,729..4,989) · town manager
    (83 cells) 1,669 · pandas peer 17,260: ours / peer 0.21x. The goal (2 s) was not met
    at that load. One audit in-process, by statement: the per-cell query 812, workload
    271, trends 147, workers 74, the rest < 50 (1.4 s of SQL in a 1.7 s call); writing
    the 4.2 MB of JSON 130-240.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bench.audit_peer import pandas_audit
from bench.common import app_database_url, print_table, serve
from gis.auth.principal import Principal
from gis.auth.rls import scope_session
from gis.db import make_engine
from gis.staff.audit import run_audit
from gis.staff.standards import load_standards

ADMIN = Principal(username="bench", permissions=frozenset({"*"}))
GOAL_S = 2.0  # GET /audit/staffing on the city demo
COMPARED = ("households", "grid_heads", "fulltime_workers", "party_members",
            "party_households", "vacancies", "rules_failed", "open_cases", "overdue_cases")
HEADER = ["what", "median ms", "min..max ms", "rounds", "cells", "writes", "ours / peer"]


@dataclass
class Row:
    name: str
    writes: str
    times: list[float | None] = field(default_factory=list)  # None: timed out
    cells: int | None = None
    whole_area: bool = True  # compared with the peer (which audits the whole area)

    def median(self) -> float | None:
        done = [t for t in self.times if t is not None]
        return statistics.median(done) if done and len(done) == len(self.times) else None

    def shown(self, peer: Row | None) -> list[str]:
        done = [t for t in self.times if t is not None]
        if self.median() is None:
            return [self.name, "time-out", "", str(len(self.times)), "", self.writes, ""]
        ratio = (f"{self.median() / peer.median():.2f}x"
                 if self.whole_area and peer is not self and peer.median() else "")
        return [self.name, f"{self.median() * 1000:,.0f}",
                f"{min(done) * 1000:,.0f}..{max(done) * 1000:,.0f}", str(len(self.times)),
                f"{self.cells:,}", self.writes, ratio]


def timed(row: Row, call):
    """One round of a row; a statement or request over the time-out counts as None."""
    started = time.perf_counter()
    try:
        result = call()
    except (OperationalError, httpx.TimeoutException):  # statement_timeout / HTTP
        row.times.append(None)
        return None
    row.times.append(time.perf_counter() - started)
    return result


def differences(cells: list[dict], frame) -> list[str]:
    """Cells where ours and the peer disagree on a compared figure (at most 5 named)."""
    ours = {c["code"].strip(): c for c in cells}
    frame = frame.rename(index=str.strip)
    out = [f"{code}: {column} ours {ours[code][column]}, peer {frame.at[code, column]}"
           for code in sorted(set(ours) & set(frame.index)) for column in COMPARED
           if float(ours[code][column] or 0) != float(frame.at[code, column] or 0)]
    missing = set(ours) ^ set(frame.index)
    return out + [f"{len(missing)} cells in one answer only"] * bool(missing)


def scoped(engine, principal: Principal, timeout_s: float, call):
    """call(session) in a transaction of its own, scoped to the principal, time-limited."""
    with Session(engine) as session, session.begin():
        scope_session(session, principal)
        session.execute(text(f"SET LOCAL statement_timeout = '{int(timeout_s)}s'"))
        return call(session)


def area_rows(engine, standards, *, rounds: int, timeout_s: float) -> tuple[list, list]:
    """The whole area: HTTP, in-process, peer, in turn within each round."""
    http = Row("ours: GET /audit/staffing (HTTP, whole JSON)", "access-log entry")
    service = Row("ours: the service in-process (no HTTP)", "access-log entry")
    peer = Row("peer: pandas over the raw tables (per cell only)", "nothing")

    def in_process(principal, call):
        return scoped(engine, principal, timeout_s, call)

    with serve("bench.common:onegrid_app") as base:
        client = httpx.Client(base_url=base, timeout=timeout_s)
        first = client.get("/audit/staffing")  # warm: connections, plans, standards file
        first.raise_for_status()
        body = first.json()
        frame = in_process(ADMIN, lambda s: pandas_audit(s, standards))
        found = differences(body["cells"], frame)
        http.cells, peer.cells = len(body["cells"]), len(frame)
        for _ in range(rounds):
            timed(http, lambda: client.get("/audit/staffing").raise_for_status())
            result = timed(service, lambda: in_process(ADMIN, lambda s: run_audit(
                s, principal=ADMIN, standards=standards)))
            service.cells = len(result["cells"]) if result else service.cells
            timed(peer, lambda: in_process(ADMIN, lambda s: pandas_audit(s, standards)))
        client.close()
    return [http, service, peer], found


def town_row(engine, standards, *, rounds: int, timeout_s: float) -> Row:
    """The same service as the manager of the first town: row-level security narrows."""
    with Session(engine) as session, session.begin():
        scope_session(session, ADMIN)
        town = session.execute(text(
            "SELECT code FROM regions WHERE level = 'town' ORDER BY code LIMIT 1")).scalar()
    manager = Principal(username="bench-town", permissions=frozenset({"audit:read"}),
                        region_codes=(town,), everywhere=False)
    row = Row(f"ours: the service as the manager of town {town} (no peer)",
              "access-log entry", whole_area=False)
    for _ in range(rounds):
        result = timed(row, lambda: scoped(engine, manager, timeout_s, lambda s: run_audit(
            s, principal=manager, standards=standards)))
        if result is None:
            break  # a time-out: the next rounds would time out as well
        row.cells = len(result["cells"])
    return row


def sizes(engine) -> dict:
    with Session(engine) as session, session.begin():
        scope_session(session, ADMIN)
        found = session.execute(text(
            "SELECT (SELECT count(*) FROM households) AS households, "
            "(SELECT count(*) FROM staff) AS staff, "
            "(SELECT count(*) FROM staff_assignments) AS assignments, "
            "(SELECT count(*) FROM special_population_records) AS special, "
            "(SELECT count(*) FROM party_households) AS party_households, "
            "(SELECT count(*) FROM incidents) AS cases")).mappings().one()
    return dict(found)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(*, rounds: int = 5, timeout_s: float = 120) -> dict:
    """The rows of one run on the service's database (the demo loaded there)."""
    load_before = load()
    standards = load_standards()
    engine = make_engine(app_database_url(), pool_size=2)
    try:
        rows, found = area_rows(engine, standards, rounds=rounds, timeout_s=timeout_s)
        rows.insert(2, town_row(engine, standards, rounds=rounds, timeout_s=timeout_s))
        data = sizes(engine)
    finally:
        engine.dispose()
    return {"rows": rows, "rounds": rounds, "timeout_s": timeout_s, "sizes": data,
            "size": "city" if data["households"] >= 500_000 else "district",
            "differences": found, "load_before": load_before, "load_after": load()}


def verdict(result: dict) -> str:
    """The goal, ≤ 2 s on the city demo: met or not (judged on the city only)."""
    http = result["rows"][0]
    median = http.median()
    shown = "timed out" if median is None else f"{median:.2f} s"
    if result["size"] != "city":
        return (f"Goal: GET /audit/staffing ≤ {GOAL_S:g} s on the city demo. Not judged "
                f"here: this is the {result['size']} demo (median {shown}); the city "
                "block says.")
    met = median is not None and median <= GOAL_S
    return (f"Goal: GET /audit/staffing ≤ {GOAL_S:g} s on the city demo: "
            f"**{'met' if met else 'not met'}** (median {shown}, at the load averages "
            "above).")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def section(result: dict) -> str:
    """The report's markdown: what both sides do, the rows, the comparison, the goal."""
    peer = result["rows"][-1]
    s = result["sizes"]
    doc = __doc__.split("\n", 2)[2].split("\n    ONEGRID_")[0].strip()
    found = result["differences"]
    compared = ("the per-cell answers agree on every cell" if not found else
                f"the per-cell answers DIFFER ({len(found)}): " + "; ".join(found[:5]))
    return f"""### Staffing audit: GET /audit/staffing vs pandas

{doc}

{s['households']:,} households, {s['staff']:,} staff, {s['assignments']:,} assignments,
{s['special']:,} special-population records, {s['party_households']:,} party members'
household links, {s['cases']:,} cases. {result['rounds']} rounds, medians (min..max); a
statement or request over {result['timeout_s']:g} s counts as a time-out. Compared before
timing: {compared}. Load average (1, 5, 15 min) before: {result['load_before']}; after:
{result['load_after']}.

{table(HEADER, [row.shown(peer) for row in result["rows"]])}

{verdict(result)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds per request or statement")
    args = parser.parse_args()
    result = run(rounds=args.rounds, timeout_s=args.timeout)
    peer = result["rows"][-1]
    print(f"{result['sizes']}; load average before {result['load_before']}, after "
          f"{result['load_after']}; differences: {result['differences'][:5] or 'none'}")
    print_table("staffing audit", HEADER, [row.shown(peer) for row in result["rows"]])
    print("\n" + verdict(result))


if __name__ == "__main__":
    main()
