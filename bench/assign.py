"""Households → cells: ours (buildings placed from the pieces) vs a naive UPDATE vs sjoin.

Also: incremental re-assignment after redrawing two neighbouring cells vs a full one.

    .venv/bin/python -m bench.assign [--size city|district|small] [--database-url URL]

Data: the demo (`gis.demo.load.load_demo`, 1,000,000 households and ~5,000 cells for
`city`). Without --database-url the demo is loaded into a private throwaway cluster (the
shared database is never touched); with it, a database that already holds the demo is
used and everything the benchmark writes is rolled back.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from bench.common import print_table, ratio

# The naive way: every household's cell written on its own (wide) row. Our schema forbids
# a cell of its own on a household located by its building (households_building_placed),
# so the peer drops that check in its own rolled-back transaction, before the clock starts.
NAIVE_SETUP = text("ALTER TABLE households DROP CONSTRAINT households_building_placed")
NAIVE = text("""
UPDATE households AS h SET own_cell_id = c.id
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


def timed_alone(engine, work, setup=None) -> tuple[float, object]:
    """Run work(session) in a transaction of its own, rolled back, then VACUUM households.

    Each peer of the bulk assignment rewrites up to a million rows; rolled back, those are
    dead tuples and index entries that the next peer would otherwise pay for (a bigger
    heap and indexes, pruning on the way). VACUUM changes no data, so it is also safe on
    a database that is not --scratch."""
    with Session(engine) as session:
        for statement in UNASSIGN:  # no-ops after a committed reset (--scratch)
            session.execute(statement)
        if setup is not None:
            session.execute(setup)
        started = time.perf_counter()
        result = work(session)
        session.flush()
        elapsed = time.perf_counter() - started
        session.rollback()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM households")
        conn.exec_driver_sql("VACUUM building_cells")
    return elapsed, result


UNASSIGN = [text("DELETE FROM building_cells"),
            text("UPDATE households SET own_cell_id = NULL, unlocated_reason = NULL "
                 "WHERE own_cell_id IS NOT NULL OR unlocated_reason IS NOT NULL")]

# Point-in-polygon of every household's own point, counted, not written: PostGIS's peer of
# sjoin on the same points (assign_households.sql's join, were no household in a building).
# The MATERIALIZED cells make it start from the pieces as the real statement does; without
# it the planner starts from households (a parallel index scan, ~6x slower here). A plain
# SELECT may also go parallel, which costs the households-driven plan lower: the bench
# turns parallelism off, as it is for the UPDATE (PostgreSQL never runs DML in parallel).
def join_only(table: str, point: str) -> TextClause:
    """A point-in-cell join of every row of table (by its point column), counted."""
    return text(f"""
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code FROM grid_cells AS c
    WHERE c.generation_low <= :g AND (c.generation_high IS NULL OR c.generation_high >= :g)
)
SELECT count(*) FROM (
    SELECT DISTINCT ON (x.id) x.id, c.id AS cell_id
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    JOIN {table} AS x ON ST_Covers(p.geom, x.{point})
    ORDER BY x.id, c.code) AS hits""")  # constant names only


JOIN_ONLY = join_only("households", "geom")
# The join of assign_buildings.sql alone (buildings' spots), counted, not written.
BUILDINGS_JOIN_ONLY = join_only("buildings", "spot")


def explain(session: Session, statement, params: dict) -> str:
    sql = statement.text if hasattr(statement, "text") else str(statement)
    plan = session.execute(text("EXPLAIN " + sql), params).scalars().all()
    return "\n".join("    " + line for line in plan[:14])


def sjoin(session: Session, generation: int, points_sql: str) -> tuple[float, float, int]:
    """(seconds to read the data out, seconds for geopandas.sjoin in memory, matched).

    points_sql selects (id, lon, lat): the households' own points, or the buildings'."""
    import geopandas as gpd
    import shapely

    started = time.perf_counter()
    homes = session.execute(text(points_sql)).all()
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


HOUSEHOLD_POINTS = "SELECT id, ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL"
BUILDING_SPOTS = "SELECT id, ST_X(spot), ST_Y(spot) FROM buildings"
# Every household placed by its own point instead of its building: the path a district
# whose households have only coordinates takes (set up before the clock starts).
BY_COORDINATES = text("UPDATE households SET located_by = 'coordinates' "
                      "WHERE located_by = 'building'")


def _assign_twice(session: Session, generation: int):
    """After a bulk assignment: (rollups of every cell, a re-run that writes nothing)."""
    from gis.people import rollups
    from gis.people.assignment import assign_households

    assign_households(session, generation_id=generation, refresh=False)
    started = time.perf_counter()
    rollups.refresh_generation(session, generation_id=generation)
    refreshed = time.perf_counter() - started
    started = time.perf_counter()
    result = assign_households(session, generation_id=generation, refresh=False)
    return refreshed, time.perf_counter() - started, result


def bulk(engine, generation: int, *, by_coordinates: bool) -> None:
    from gis.people.assignment import assign_households
    from gis.sql import query

    params = {"generation_id": generation, "building_ids": None, "reason": "bench"}
    with Session(engine) as session:
        print("\nEXPLAIN ours (gis/sql/assign_buildings.sql):")
        print(explain(session, query("assign_buildings"), params))
        print("EXPLAIN naive UPDATE … FROM grid_cells WHERE ST_Contains:")
        print(explain(session, NAIVE, {"g": generation}))

    def no_parallel(s):
        s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        s.execute(text("SET LOCAL jit = off"))

    joined, matched_in_db = timed_alone(engine, lambda s: (
        no_parallel(s), s.execute(JOIN_ONLY, {"g": generation}).scalar_one())[1])
    joined_b, matched_b = timed_alone(engine, lambda s: (
        no_parallel(s), s.execute(BUILDINGS_JOIN_ONLY, {"g": generation}).scalar_one())[1])
    ours, result = timed_alone(engine, lambda s: assign_households(
        s, generation_id=generation, refresh=False))
    _, (refreshed, rerun, rerun_result) = timed_alone(
        engine, lambda s: _assign_twice(s, generation))
    if by_coordinates:
        own, own_result = timed_alone(engine, lambda s: assign_households(
            s, generation_id=generation, refresh=False), setup=BY_COORDINATES)
        # the naive peer on the same data: its rows then also enter the partial indexes
        # of households placed on their own, as ours do
        naive_own, _ = timed_alone(engine, lambda s: s.execute(
            NAIVE, {"g": generation}).rowcount, setup=text(
                f"{BY_COORDINATES.text}; {NAIVE_SETUP.text}"))
    naive, naive_rows = timed_alone(engine, lambda s: s.execute(
        NAIVE, {"g": generation}).rowcount, setup=NAIVE_SETUP)
    with Session(engine) as session:
        read, in_memory, matched = sjoin(session, generation, HOUSEHOLD_POINTS)
        read_b, in_memory_b, matched_sb = sjoin(session, generation, BUILDING_SPOTS)
    households = matched
    rows = [
        ["ours: buildings placed, households follow, persisted", f"{ours:.2f}",
         f"{result.buildings_changed} buildings", "1.00x"],
        ["  then the rollups of every cell", f"{refreshed:.2f}", "", ""],
        ["ours re-run: nothing changed, nothing written", f"{rerun:.2f}",
         rerun_result.buildings_changed + rerun_result.changed, ratio(ours, rerun)],
    ]
    if by_coordinates:
        rows += [["ours if every household had only its own point", f"{own:.2f}",
                  own_result.changed, ratio(ours, own)],
                 ["  naive UPDATE on that same data", f"{naive_own:.2f}", "",
                  f"{own / naive_own:.2f}x (own path vs naive)"]]
    rows += [
        ["naive UPDATE households … ST_Contains, persisted", f"{naive:.2f}", naive_rows,
         ratio(ours, naive)],
        ["PostGIS join of household points alone (count)", f"{joined:.2f}", matched_in_db,
         ratio(ours, joined)],
        ["PostGIS join of building spots alone (count)", f"{joined_b:.2f}", matched_b,
         ratio(ours, joined_b)],
        ["geopandas.sjoin of household points, in memory", f"{in_memory:.2f}", households,
         ratio(ours, in_memory)],
        ["  + reading them out of PostGIS", f"{read:.2f}", "", ""],
        ["geopandas.sjoin of building spots, in memory", f"{in_memory_b:.2f}", matched_sb,
         ratio(ours, in_memory_b)],
        ["  + reading them out of PostGIS", f"{read_b:.2f}", "", ""],
    ]
    print_table("bulk assignment (every household of the city → a cell)",
                ["variant", "seconds", "rows", "ours vs it"], rows)
    verdict = "met" if ours < in_memory else "NOT met"
    print(f"goal (persisted faster than sjoin of the households in memory): {verdict} "
          f"({ours:.2f} s vs {in_memory:.2f} s)")


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


def reset_committed(engine) -> None:
    """Unplace every building and household for real and VACUUM, so no peer pays for the
    reset's dead rows or for checks on rows written earlier in its own transaction."""
    with engine.begin() as conn:
        for statement in UNASSIGN:
            conn.execute(statement)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE households")
        conn.exec_driver_sql("VACUUM ANALYZE building_cells")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="city", choices=("small", "district", "city"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scratch", action="store_true",
                        help="the --database-url database is disposable: commit the reset")
    parser.add_argument("--incremental-only", action="store_true",
                        help="skip the bulk peers (minutes at city size)")
    parser.add_argument("--skip-coordinates", action="store_true",
                        help="skip 'ours if every household had only its own point' "
                             "(a million-row set-up at city size)")
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
            load = os.getloadavg()
        print(f"{counts[0]:,} households, {counts[1]:,} cells, {counts[2]:,} pieces; "
              f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        # Every peer starts from unassigned households (each in its own rolled-back
        # transaction when the reset was not committed).
        if not args.incremental_only:
            bulk(engine, generation, by_coordinates=not args.skip_coordinates)
        may_commit = args.scratch or not args.database_url
        if may_commit:
            settle(engine, generation)
        with Session(engine) as session:
            incremental(session, generation, settled=may_commit)
            session.rollback()
        engine.dispose()


if __name__ == "__main__":
    main()
