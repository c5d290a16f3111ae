"""Households → cells: ours (driven from the pieces) vs a naive UPDATE vs geopandas.sjoin.

Also: incremental re-assignment after redrawing two neighbouring cells vs a full one.

    .venv/bin/python -m bench.assign [--size city|district|small] [--database-url URL]

Data: the demo (`gis.demo.load.load_demo`, 1,000,000 households and ~5,000 cells for
`city`). Without --database-url the demo is loaded into a private throwaway cluster (the
shared database is never touched); with it, a database that already holds the demo is
used and everything the benchmark writes is rolled back.
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

from bench.common import print_table, ratio

NAIVE = text("""
UPDATE households AS h SET cell_id = c.id
FROM grid_cells AS c
WHERE ST_Contains(c.geom, h.geom)
  AND c.generation_low <= :g AND (c.generation_high IS NULL OR c.generation_high >= :g)""")

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
    """A database holding the demo: the given URL, or a throwaway cluster loaded now."""
    if url:
        yield url
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
            yield cluster.url()
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


def explain(session: Session, statement, params: dict) -> str:
    sql = statement.text if hasattr(statement, "text") else str(statement)
    plan = session.execute(text("EXPLAIN " + sql), params).scalars().all()
    return "\n".join("    " + line for line in plan[:14])


def sjoin(session: Session, generation: int) -> tuple[float, float, int]:
    """(seconds to read the data out, seconds for geopandas.sjoin in memory, matched)."""
    import geopandas as gpd
    import shapely

    started = time.perf_counter()
    homes = session.execute(text(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL")).all()
    cells = session.execute(text(
        "SELECT id, code, ST_AsBinary(geom) FROM grid_cells WHERE generation_low <= :g "
        "AND (generation_high IS NULL OR generation_high >= :g)"), {"g": generation}).all()
    ids, xs, ys = zip(*homes, strict=True)
    points = gpd.GeoDataFrame({"id": ids}, geometry=shapely.points(xs, ys), crs=4326)
    polygons = gpd.GeoDataFrame({"cell_id": [c[0] for c in cells],
                                 "code": [c[1] for c in cells]},
                                geometry=shapely.from_wkb([bytes(c[2]) for c in cells]),
                                crs=4326)
    read = time.perf_counter() - started
    started = time.perf_counter()
    joined = gpd.sjoin(points, polygons, predicate="covered_by", how="inner")
    joined = joined.sort_values(["id", "code"]).drop_duplicates("id")  # the edge rule
    return read, time.perf_counter() - started, len(joined)


def bulk(session: Session, generation: int) -> None:
    from gis.people import rollups
    from gis.people.assignment import assign_households

    params = {"generation_id": generation, "household_ids": None, "reason": "bench"}
    print("\nEXPLAIN ours (gis/sql/assign_households.sql):")
    from gis.sql import query
    print(explain(session, query("assign_households"), params))
    print("EXPLAIN naive UPDATE … FROM grid_cells WHERE ST_Contains:")
    print(explain(session, NAIVE, {"g": generation}))
    ours, result = timed_in_savepoint(session, lambda: assign_households(
        session, generation_id=generation, refresh=False))
    with_rollups, _ = timed_in_savepoint(session, lambda: (
        assign_households(session, generation_id=generation, refresh=False),
        rollups.refresh_generation(session, generation_id=generation)))
    naive, naive_rows = timed_in_savepoint(session, lambda: session.execute(
        NAIVE, {"g": generation}).rowcount)
    read, in_memory, matched = sjoin(session, generation)
    print_table("bulk assignment (households → cells)", ["variant", "seconds", "assigned",
                                                         "ours vs it"], [
        ["ours: pieces-driven UPDATE, persisted", f"{ours:.2f}",
         result.considered - result.unlocated, "1.00x"],
        ["ours + rollups of every cell", f"{with_rollups:.2f}", "", ratio(with_rollups, ours)],
        ["naive UPDATE … ST_Contains, persisted", f"{naive:.2f}", naive_rows,
         ratio(ours, naive)],
        ["geopandas.sjoin in memory (not persisted)", f"{in_memory:.2f}", matched,
         ratio(ours, in_memory)],
        ["  + reading the data out of PostGIS", f"{read:.2f}", "", ""],
    ])


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


def incremental(session: Session, generation: int) -> None:
    from gis.people.assignment import assign_households, reassign_changed_area

    assign_households(session, generation_id=generation, refresh=False)
    new = redraw_two_cells(session, generation)
    ours, result = timed_in_savepoint(session, lambda: reassign_changed_area(
        session, old_generation_id=generation, new_generation_id=new))
    full, full_result = timed_in_savepoint(session, lambda: assign_households(
        session, generation_id=new, reason="bench full"))
    print_table("re-assignment after redrawing two neighbouring cells",
                ["variant", "ms", "households looked at", "changed", "ours vs it"], [
        ["ours: changed area only", f"{ours * 1000:.0f}", result.considered, result.changed,
         "1.00x"],
        ["full re-assignment", f"{full * 1000:.0f}", full_result.considered,
         full_result.changed, ratio(ours, full)],
    ])


def reset_committed(engine) -> None:
    """Unassign every household for real and VACUUM, so no peer pays for the reset's dead
    rows or for foreign-key checks on rows written earlier in its own transaction."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE households SET cell_id = NULL, unlocated_reason = NULL"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE households")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="city", choices=("small", "district", "city"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scratch", action="store_true",
                        help="the --database-url database is disposable: commit the reset")
    args = parser.parse_args()
    from gis.db import make_engine

    with bench_database(args.database_url, args.size) as url:
        engine = make_engine(url, pool_size=1)
        if args.scratch or not args.database_url:
            reset_committed(engine)
        with Session(engine) as session:
            generation = session.execute(text(
                "SELECT id FROM grid_generations WHERE status = 'active'")).scalar_one()
            counts = session.execute(text(
                "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM grid_cells "
                "WHERE generation_high IS NULL), (SELECT count(*) FROM grid_cell_pieces)")).one()
            print(f"{counts[0]:,} households, {counts[1]:,} cells, {counts[2]:,} pieces")
            # Every peer starts from unassigned households; rolled back at the end.
            session.execute(text("UPDATE households SET cell_id = NULL, unlocated_reason = NULL "
                                 "WHERE cell_id IS NOT NULL"))
            bulk(session, generation)
            incremental(session, generation)
            session.rollback()
        engine.dispose()


if __name__ == "__main__":
    main()
