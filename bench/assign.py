"""Households → cells, persisted, like for like; and re-assignment after a redraw.

    .venv/bin/python -m bench.assign [--size city|district|small] [--rounds 3]
        [--database-url URL --app-url URL --scratch]

Bulk rows (bench/assign_bulk.py): ours against geopandas.sjoin + writing the result back,
each committed, as the service's login, from a committed and vacuumed state; for
households with only coordinates and for the building model. Then: incremental
re-assignment after redrawing two neighbouring cells vs a full one.

Data: the demo (`gis.demo.load.load_demo`, 1,000,000 households and ~3,000 cells for
`city`). Without --database-url the demo is loaded into a private throwaway cluster (the
shared database is never touched). The bulk rows commit: with --database-url they run
only with --scratch (a disposable database holding the demo).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import assign_bulk
from bench.common import print_table, ratio

UNASSIGN = [text("DELETE FROM building_cells"), text("DELETE FROM household_own_cells"),
            text("UPDATE households SET unlocated_reason = NULL "
                 "WHERE unlocated_reason IS NOT NULL")]


# Two neighbouring cells of the generation, merged and cut again by a line through the
# middle, perpendicular to the line between their centroids: a real redraw of both.
REDRAW = text("""
WITH pair AS (
    SELECT a.id AS a_id, b.id AS b_id, a.code AS a_code, b.code AS b_code,
           a.village_code, a.geom AS a_geom, b.geom AS b_geom
    FROM grid_cells AS a JOIN grid_cells AS b
      ON a.village_code = b.village_code AND a.code < b.code AND a.geom && b.geom
     AND ST_Length(ST_Intersection(a.geom, b.geom)::geography) > 50
    WHERE a.generation_high IS NULL AND b.generation_high IS NULL
      AND a.generation_low <= :g AND b.generation_low <= :g
    ORDER BY a.code OFFSET :offset LIMIT 1
), cut AS (
    SELECT p.*, ST_Union(p.a_geom, p.b_geom) AS whole,
           ST_Centroid(ST_Union(p.a_geom, p.b_geom)) AS mid,
           ST_Azimuth(ST_Centroid(p.a_geom), ST_Centroid(p.b_geom)) AS az
    FROM pair AS p
), parts AS (
    SELECT c.*, (ST_Dump(ST_Split(c.whole, ST_MakeLine(
        ST_Project(c.mid::geography, 20000, c.az + pi() / 2)::geometry,
        ST_Project(c.mid::geography, 20000, c.az - pi() / 2)::geometry)))).geom AS part
    FROM cut AS c
)
SELECT a_id, b_id, a_code, b_code, village_code, part,
       ST_Area(ST_Intersection(part, a_geom)) > ST_Area(ST_Intersection(part, b_geom)) AS is_a
FROM parts""")


@contextmanager
def bench_database(url: str | None, size: str) -> Iterator[str]:
    """A database holding the demo (the owner's URL): the given URL, or a throwaway
    cluster loaded now."""
    with bench_databases(url, None, size) as (owner, _app):
        yield owner


@contextmanager
def bench_databases(url: str | None, app_url: str | None,
                    size: str) -> Iterator[tuple[str, str | None]]:
    """(owner URL, the service's URL) of a database holding the demo."""
    if url:
        yield url, app_url
        return
    from gis import migrate
    from gis.cluster import EmbeddedCluster
    from gis.db import make_engine, make_session_factory, unit_of_work
    from gis.demo.load import load_demo

    with tempfile.TemporaryDirectory(prefix="onegrid-bench-") as folder:
        cluster = EmbeddedCluster(Path(folder) / "pg", durable=False)
        cluster.start()
        try:
            migrate.upgrade(cluster.url())
            engine = make_engine(cluster.url(), pool_size=1)
            started = time.perf_counter()
            with unit_of_work(make_session_factory(engine)) as session:
                summary = load_demo(session, size=size, secret_key="bench-secret")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            engine.dispose()
            print(f"demo {size}: {summary['households']:,} households, {summary['cells']:,} "
                  f"cells loaded in {time.perf_counter() - started:.0f} s")
            yield cluster.url(), cluster.app_url()
        finally:
            cluster.destroy()


def timed_in_savepoint(session: Session, work) -> tuple[float, object]:
    """Run work() in a savepoint, time it, roll it back: every peer starts from one state."""
    savepoint = session.begin_nested()
    started = time.perf_counter()
    result = work()
    session.flush()
    elapsed = time.perf_counter() - started
    savepoint.rollback()
    return elapsed, result


def redraw_two_cells(session: Session, generation: int) -> int:
    """A draft generation in which two neighbouring cells are redrawn; returns its id."""
    new = session.execute(text("INSERT INTO grid_generations (name, status) VALUES "
                               "('bench redraw', 'draft') RETURNING id")).scalar_one()
    for offset in range(50):
        parts = session.execute(REDRAW, {"g": generation, "offset": offset}).all()
        if len(parts) == 2 and {p.is_a for p in parts} == {True, False}:
            break
    else:
        raise RuntimeError("found no pair of neighbouring cells that splits cleanly")
    session.execute(text("UPDATE grid_cells SET generation_high = :g WHERE id IN (:a, :b)"),
                    {"g": generation, "a": parts[0].a_id, "b": parts[0].b_id})
    for p in parts:
        session.execute(text(
            "INSERT INTO grid_cells (code, village_code, generation_low, geom) VALUES "
            "(:code, :village, :new, :geom)"),
            {"code": p.a_code if p.is_a else p.b_code, "village": p.village_code,
             "new": new, "geom": p.part})
    return new


def settle(engine, generation: int) -> None:
    """Assign every household and COMMIT, then VACUUM ANALYZE: the state a redraw meets in
    service. Measuring right after an uncommitted 1M-row UPDATE in the same transaction
    made the incremental run look ~3x slower than it is."""
    from gis.people.assignment import assign_households

    with Session(engine) as session:
        assign_households(session, generation_id=generation, refresh=False)
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE households")
        conn.exec_driver_sql("VACUUM ANALYZE building_cells")
        conn.exec_driver_sql("VACUUM ANALYZE household_own_cells")


def incremental(session: Session, generation: int, *, settled: bool) -> None:
    from gis.people.assignment import assign_households, reassign_changed_area

    if not settled:  # a database we may not commit to: assign inside this transaction
        print("note: households assigned in the same (uncommitted) transaction; "
              "use --scratch for the settled state")
        for statement in UNASSIGN:
            session.execute(statement)
        assign_households(session, generation_id=generation, refresh=False)
    new = redraw_two_cells(session, generation)
    ours, result = timed_in_savepoint(session, lambda: reassign_changed_area(
        session, old_generation_id=generation, new_generation_id=new))
    full, full_result = timed_in_savepoint(session, lambda: assign_households(
        session, generation_id=new, reason="bench full"))
    print_table("re-assignment after redrawing two neighbouring cells",
                ["variant", "ms", "buildings looked at", "households moved", "ours vs it"], [
        ["ours: changed area only", f"{ours * 1000:.0f}",
         result.buildings_considered, result.moved, "1.00x"],
        ["full re-assignment", f"{full * 1000:.0f}", full_result.buildings_considered,
         full_result.moved, ratio(ours, full)],
    ])


def bulk(url: str, app_url: str, *, rounds: int, timeout_s: int) -> None:
    results = assign_bulk.run(url, app_url, rounds=rounds, timeout_s=timeout_s)
    print_table(f"bulk assignment, persisted, median (min-max) of {rounds} rounds; "
                f"load average {assign_bulk.load_average()}",
                ["model", "variant", "writes", "time", "rows", "ours / it"],
                assign_bulk.report_rows(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="city", choices=("small", "district", "city"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--app-url", default=None, help="the service's login to that database")
    parser.add_argument("--scratch", action="store_true",
                        help="the --database-url database is disposable: the bulk rows commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per statement")
    parser.add_argument("--incremental-only", action="store_true",
                        help="skip the bulk rows (minutes at city size)")
    args = parser.parse_args()
    from gis.db import make_engine

    with bench_databases(args.database_url, args.app_url, args.size) as (url, app_url):
        may_commit = args.scratch or not args.database_url
        print(f"load average {assign_bulk.load_average()}")
        if not args.incremental_only:
            if not (may_commit and app_url):
                raise SystemExit("the bulk rows commit as the service's login: give "
                                 "--scratch and --app-url, or no --database-url")
            bulk(url, app_url, rounds=args.rounds, timeout_s=args.timeout)
        engine = make_engine(url, pool_size=1)
        with Session(engine) as session:
            generation = session.execute(text(
                "SELECT id FROM grid_generations WHERE status = 'active'")).scalar_one()
        if may_commit:
            settle(engine, generation)
        with Session(engine) as session:
            incremental(session, generation, settled=may_commit)
            session.rollback()
        engine.dispose()


if __name__ == "__main__":
    main()
