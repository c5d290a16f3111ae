"""Escalation sweep over 100,000 open cases: the service's sweep vs a per-case loop.

Data: `--cases` open cases (dispatched, handling, feedback, verified; 40% village, 40%
town, 20% district level; 80% overdue by up to three days, 20% due within three days;
each with the light it would show now), inserted by the owner in one committed
INSERT ... SELECT into random cells and leaf categories, and deleted at the end (no log
row is ever committed for them; each deleted row's foreign-key check on
incidents.duplicate_of is a probe of its index, migration 0031). Both sides run as the
service's app login (row-level security on, the sweeper's unrestricted scope), with the
same `now`, one transaction each that is timed and then ROLLED BACK, so every round
starts from the same state:
- ours: `gis.incidents.sweeper.run` (what the app's background task and `onegrid
  incidents sweep` run): the advisory lock, overdue cases in batches of 500 through the
  ORM (FOR UPDATE SKIP LOCKED), escalated, logged, flushed per batch; then one UPDATE of
  the announced lights;
- peer: a plain loop on the same connection kind: the advisory lock, ONE select of all
  overdue cases (with their category's limit), then per case one UPDATE of the case and
  one INSERT of its log row, the new deadlines from the same rule (timers.escalate);
  then the same lights UPDATE.
Writes (both, uncommitted): per escalated case, incidents (level, due_at, yellow_at,
version, updated_at, light) and one incident_transitions row; the NOTIFY triggers fire
but a rollback sends nothing. The two outcomes (every open case's row, every new log
row) are compared by digest in each round: a row says whether they were equal. The
commit (~2 x escalated rows of WAL) is not timed, on either side.

    .venv/bin/python -m bench.dispatch_sweep [--cases 100000] [--rounds 3]
        [--database-url OWNER_URL --app-url APP_URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gis.auth import rls
from gis.db import make_engine
from gis.incidents import service, sweeper, timers
from gis.settings import IncidentSettings

PREFIX = "BENCH-SWEEP-"

# The owner's bulk insert. The light is the one the sweeper would have announced by now,
# so the sweep's lights UPDATE touches only what the sweep itself changes.
INSERT = text("""
WITH cells AS (
    SELECT array_agg(c.id ORDER BY c.id) AS ids
    FROM grid_cells AS c JOIN grid_generations AS g
      ON g.status = 'active' AND c.generation_low <= g.id
     AND (c.generation_high IS NULL OR c.generation_high >= g.id)
), kinds AS (
    SELECT array_agg(k.id ORDER BY k.id) AS ids FROM incident_categories AS k
    WHERE k.time_limit_hours IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM incident_categories AS c WHERE c.parent_id = k.id)
), drawn AS (
    SELECT n, random() AS r,
           CAST(:now AS timestamptz) + make_interval(secs => (random() * 6 - 4.8) * 86400)
               AS due_at
    FROM generate_series(1, :count) AS n
)
INSERT INTO incidents (code, category_id, source, status, level, title, geom, cell_id,
                       reported_at, dispatched_at, due_at, yellow_at, light, updated_at)
SELECT :prefix || d.n, kinds.ids[1 + d.n % cardinality(kinds.ids)], 'patrol',
       (ARRAY['dispatched', 'handling', 'feedback', 'verified'])[1 + d.n % 4],
       CASE WHEN d.r < 0.4 THEN 'village' WHEN d.r < 0.8 THEN 'town' ELSE 'district' END,
       'bench sweep', c.geom_point, c.id,
       d.due_at - interval '5 days', d.due_at - interval '4 days', d.due_at,
       d.due_at - interval '1 day',
       CASE WHEN d.due_at <= :now THEN 'red'
            WHEN d.due_at - interval '1 day' <= :now THEN 'yellow' ELSE 'green' END,
       CAST(:now AS timestamptz) - interval '5 days'
FROM drawn AS d, cells, kinds,
     LATERAL (SELECT c.id, ST_PointOnSurface(c.geom) AS geom_point FROM grid_cells AS c
              WHERE c.id = cells.ids[1 + (d.n * 7919) % cardinality(cells.ids)]) AS c
""")

# The peer's one select: every overdue case below district level, with its category's limit.
OVERDUE = text("""
SELECT i.id, i.status, i.level, i.due_at, i.dispatched_at, i.version,
       k.time_limit_hours, k.working_time
FROM incidents AS i JOIN incident_categories AS k ON k.id = i.category_id
WHERE i.status IN ('registered', 'dispatched', 'handling', 'feedback', 'verified')
  AND i.due_at <= :now AND i.level <> 'district' AND i.duplicate_of IS NULL
ORDER BY i.due_at
FOR UPDATE OF i""")
UPDATE_CASE = text("""
UPDATE incidents SET level = :level, due_at = :due_at, yellow_at = :yellow_at,
                     version = :version, updated_at = :now
WHERE id = :id""")
INSERT_LOG = text("""
INSERT INTO incident_transitions (incident_id, from_status, to_status, level, actor, at,
                                  note, action, role)
VALUES (:id, :status, :status, :level, :actor, :now, :note, 'escalate', 'system')""")

# What a sweep leaves behind: every open case (its level, deadlines, version, light) and
# the log rows written at `now` by the timer; ids of new log rows are left out.
OUTCOME = text("""
SELECT (SELECT md5(string_agg(concat_ws('|', id, level, due_at, yellow_at, version, light,
                                         updated_at), ',' ORDER BY id))
        FROM incidents
        WHERE status IN ('registered', 'dispatched', 'handling', 'feedback', 'verified')),
       (SELECT count(*) FROM incident_transitions WHERE at = :now AND actor = :actor),
       (SELECT md5(string_agg(concat_ws('|', incident_id, from_status, to_status, level,
                                        actor, at, note, action, role), ','
                              ORDER BY incident_id))
        FROM incident_transitions WHERE at = :now AND actor = :actor)""")


@dataclass
class Side:
    """One side's rounds: seconds (None: a time-out), what it changed, its outcome digest."""
    name: str
    seconds: list[float | None] = field(default_factory=list)
    escalated: int = 0
    lights: int = 0
    outcomes: list[tuple] = field(default_factory=list)

    def shown(self) -> str:
        done = [s for s in self.seconds if s is not None]
        if not done or len(done) < len(self.seconds):
            return "time-out"
        return f"{statistics.median(done):.2f} s ({min(done):.2f}-{max(done):.2f})"

    def median(self) -> float | None:
        done = [s for s in self.seconds if s is not None]
        return statistics.median(done) if done and len(done) == len(self.seconds) else None


def insert_cases(owner_url: str, *, count: int, now: dt.datetime) -> int:
    """`count` open cases, committed by the owner; returns how many open cases there are."""
    engine = make_engine(owner_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            session.execute(INSERT, {"count": count, "now": now, "prefix": PREFIX})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE incidents")
            return conn.execute(text(
                "SELECT count(*) FROM incidents WHERE status IN ('registered', 'dispatched',"
                " 'handling', 'feedback', 'verified')")).scalar_one()
    finally:
        engine.dispose()


def remove_cases(owner_url: str) -> None:
    """Delete the cases insert_cases made (no log row of theirs was ever committed).

    Each deleted row's foreign-key check (incidents naming it in duplicate_of) probes
    incidents_duplicate_of_idx (migration 0031); before it, each check scanned the table
    (100,000 deletions: hours)."""
    engine = make_engine(owner_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            session.execute(text("DELETE FROM incidents WHERE code LIKE :p"),
                            {"p": PREFIX + "%"})
    finally:
        engine.dispose()


def ours(session: Session, *, now: dt.datetime, settings: IncidentSettings) -> tuple[int, int]:
    result = sweeper.run(session, settings=settings, now=now)
    session.flush()
    return len(result.escalated), result.lights_changed


def peer(session: Session, *, now: dt.datetime, settings: IncidentSettings,
         deadline: float) -> tuple[int, int] | None:
    """The per-case loop (see the module docstring); None when past `deadline`."""
    rls.scope_session(session, sweeper.SWEEPER)
    session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": timers.SWEEP_LOCK})
    calendar = service.load_calendar(session, settings)
    overdue = session.execute(OVERDUE, {"now": now}).mappings().all()
    for row in overdue:
        if time.monotonic() > deadline:
            return None
        case = SimpleNamespace(level=row["level"], dispatched_at=row["dispatched_at"],
                               due_at=row["due_at"], yellow_at=None)
        category = SimpleNamespace(time_limit_hours=row["time_limit_hours"],
                                   working_time=row["working_time"])
        timers.escalate(case, category, calendar=calendar, now=now,
                        yellow_share=settings.yellow_share)
        session.execute(UPDATE_CASE, {"id": row["id"], "level": case.level,
                                      "due_at": case.due_at, "yellow_at": case.yellow_at,
                                      "version": row["version"] + 1, "now": now})
        note = (f"overdue since {row['due_at'].isoformat()}: escalated from {row['level']} "
                f"to {case.level}")
        session.execute(INSERT_LOG, {"id": row["id"], "status": row["status"],
                                     "level": case.level, "actor": timers.SYSTEM_ACTOR,
                                     "now": now, "note": note})
    lights = session.execute(text(timers.LIGHTS), {"now": now}).rowcount
    return len(overdue), lights


def one_round(app_engine, side: Side, *, now: dt.datetime, settings: IncidentSettings,
              timeout_s: float) -> None:
    """One timed, rolled-back sweep of one side; its time, counts and outcome recorded."""
    with Session(app_engine) as session:
        session.execute(text(f"SET statement_timeout = '{int(timeout_s)}s'"))
        rls.scope_session(session, sweeper.SWEEPER)
        started = time.perf_counter()
        try:
            if side.name == "ours":
                counts = ours(session, now=now, settings=settings)
            else:
                counts = peer(session, now=now, settings=settings,
                              deadline=time.monotonic() + timeout_s)
        except OperationalError:  # statement_timeout: a time-out, not a crash
            counts = None
            session.rollback()
        elapsed = time.perf_counter() - started
        if counts is None:
            side.seconds.append(None)
            session.rollback()
            return
        side.seconds.append(elapsed)
        side.escalated, side.lights = counts
        side.outcomes.append(tuple(session.execute(
            OUTCOME, {"now": now, "actor": timers.SYSTEM_ACTOR}).one()))
        session.rollback()


def run(owner_url: str, app_url: str, *, cases: int = 100_000, rounds: int = 3,
        timeout_s: float = 900) -> dict:
    """Both sides, alternating, `rounds` each, on `cases` inserted open cases."""
    settings = IncidentSettings()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    open_cases = insert_cases(owner_url, count=cases, now=now)
    app_engine = make_engine(app_url, pool_size=1)
    sides = {"ours": Side("ours"), "peer": Side("peer")}
    try:
        for number in range(rounds):
            order = ("ours", "peer") if number % 2 == 0 else ("peer", "ours")
            for name in order:
                if None not in sides[name].seconds:  # a side that timed out is not re-asked
                    one_round(app_engine, sides[name], now=now, settings=settings,
                              timeout_s=timeout_s)
                    print(f"  sweep {name}: {sides[name].seconds[-1]}", flush=True)
    finally:
        app_engine.dispose()
        remove_cases(owner_url)
    outcomes = {o for side in sides.values() for o in side.outcomes}
    return {"cases": cases, "open_cases": open_cases, "rounds": rounds, "sides": sides,
            "equal": len(outcomes) == 1, "escalated": sides["ours"].escalated}


def report_rows(result: dict) -> list[list[str]]:
    ours_side, peer_side = result["sides"]["ours"], result["sides"]["peer"]
    a, b = ours_side.median(), peer_side.median()
    ratio = f"{a / b:.2f}x" if a and b else "n/a"
    same = "equal" if result["equal"] else "DIFFERENT"
    return [[f"one sweep over {result['open_cases']:,} open cases",
             ours_side.shown(), peer_side.shown(), ratio,
             f"{ours_side.escalated:,} escalated + logged, {ours_side.lights:,} lights "
             f"(peer {peer_side.escalated:,}, {peer_side.lights:,}); outcome {same}",
             str(result["rounds"])]]


HEADER = ["sweep", "ours (service)", "peer (per-case loop)", "ours / peer", "rows changed",
          "rounds"]


def main() -> None:
    from bench.common import app_database_url, database_url, print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per sweep")
    parser.add_argument("--database-url", default=None, help="the owner's URL")
    parser.add_argument("--app-url", default=None, help="the service's login")
    args = parser.parse_args()
    result = run(args.database_url or database_url(), args.app_url or app_database_url(),
                 cases=args.cases, rounds=args.rounds, timeout_s=args.timeout)
    print_table("escalation sweep, app role, rolled back; median (min-max)", HEADER,
                report_rows(result))


if __name__ == "__main__":
    main()
