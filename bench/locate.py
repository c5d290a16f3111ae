"""/locate through the API (one uvicorn worker, 8 connections) vs a naive ST_Contains peer.

All endpoints are served by the same process in the same run:
- onegrid /locate: the lane in front of the router (api.locate_lane), the cached
  principal, and the active generation's cells in memory (api.locate_index: the
  subdivided pieces, loaded from PostGIS and reloaded on every committed change);
- ours on the database only: the same lane with the index bypassed, one prepared
  statement gis/sql/locate_points.sql (ST_Covers on the subdivided pieces) on the asyncpg
  pool, concurrent lookups batched (what /locate does for points outside every cell,
  ?generation= / ?at= of another generation, and while the index reloads);
- the naive peer: the SAME lane and statement, only its cell lookup is ST_Contains on
  whole (unsubdivided) cells;
- the plain peer: a plain FastAPI route (sync, SQLAlchemy pool, no lane, no batching)
  with one query per request: the active generation's cell that covers the point
  (ST_Covers on whole cells, lowest code on a shared edge: /locate's rule, so both give
  the same cell; ST_Contains would leave points on edges unanswered), on the service's
  own login with row-level security on, as /locate. It returns the cell only, /locate
  also its regions: the peer does less;
- for context, /locate's answer behind FastAPI's router and dependencies.
Points: household locations (inside a cell), cell corners (on edges, shared by
neighbours) and points beyond the data (outside every cell), 80/10/10; the answers of
/locate and the plain peer are compared on a sample first. The load average is printed.

    .venv/bin/python -m bench.locate [--seconds 10] [--connections 8]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from typing import Annotated

import httpx
import orjson
from fastapi import Depends, Query, Request, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from api import locate_lane
from api.routers import locate
from bench.common import (
    LoadResult,
    app_engine,
    engine,
    libpq_url,
    onegrid_app,
    print_table,
    ratio,
    serve,
    timed,
    wrk,
)
from gis.auth.principal import Principal
from gis.grid import locate_async
from gis.grid.cell_index import load_cell_index
from gis.sql import query

# The plain peer's one query per request (see the module docstring).
PLAIN_SQL = text("""
SELECT c.code, c.name, c.kind, c.village_code
FROM grid_cells AS c
JOIN grid_generations AS g
  ON g.status = 'active' AND c.generation_low <= g.id
 AND (c.generation_high IS NULL OR c.generation_high >= g.id)
WHERE ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY c.code
LIMIT 1""")

# The peer's cell lookup: whole (unsubdivided) cells, ST_Contains; the GiST index on
# grid_cells.geom still answers the bounding-box part.
NAIVE_CELL_LOOKUP = """LEFT JOIN LATERAL (
        SELECT c.id, c.code, c.name, c.kind, c.village_code
        FROM generation, grid_cells AS c
        WHERE ST_Contains(c.geom, a.geom)
          AND c.generation_low <= generation.id
          AND (c.generation_high IS NULL OR c.generation_high >= generation.id)
        ORDER BY c.code
        LIMIT 1
    ) AS cell ON true"""


def naive_point_sql() -> str:
    """locate_points.sql with its cell lookup swapped for the naive one (all else identical)."""
    sql, swapped = re.subn(r"LEFT JOIN LATERAL \(.*?\) AS cell ON true",
                           lambda _: NAIVE_CELL_LOOKUP, locate_async.sql_text(), count=1,
                           flags=re.S)
    if swapped != 1:
        raise SystemExit("locate_points.sql changed shape: update bench.locate.naive_point_sql")
    return sql


def app_with_naive_peer():
    """uvicorn --factory target: the real app plus the /bench/... endpoints.

    The database-only path and the naive peer run in lanes of their own (api.locate_lane,
    the machinery /locate uses) with a statement given, which bypasses the in-memory index;
    /bench/routed-locate is /locate's answer behind FastAPI's router and dependencies."""
    app = onegrid_app()
    locate_lane.install(app, path="/bench/database-locate",
                        statement=locate_async.asyncpg_statement())
    locate_lane.install(app, path="/bench/naive-locate",
                        statement=locate_async.to_asyncpg(naive_point_sql()))

    # the service's own login, as /locate is served (row-level security on)
    plain = app_engine(os.environ["ONEGRID_DATABASE__APP_URL"], pool_size=8)

    @app.get("/bench/plain-locate")
    def plain_locate(lon: float, lat: float) -> dict:
        with plain.connect() as connection:
            row = connection.execute(PLAIN_SQL, {"lon": lon, "lat": lat}).mappings().first()
        return {"cell": dict(row) if row else None}

    @app.get("/bench/routed-locate")
    async def routed_locate(request: Request,
                            _: Annotated[Principal, Depends(locate.authorized)],
                            params: Annotated[locate.LocateParams, Query()]) -> Response:
        return Response(orjson.dumps(await locate.answer(request, params)),
                        media_type="application/json")

    return app


def sample_points(count: int) -> list[tuple[float, float]]:
    """80% household points, 10% cell corners (on edges), 10% beyond the data, mixed."""
    edges, outside = count // 10, count // 10
    db = engine()
    with db.connect() as conn:
        inside = conn.execute(text(
            "SELECT ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL "
            "ORDER BY md5(id::text) LIMIT :n"), {"n": count - edges - outside}).all()
        # a ring's vertex lies exactly on the edge (a computed midpoint may not)
        corners = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing("
            "  ST_GeometryN(geom, 1)), 2) AS p FROM grid_cells ORDER BY md5(code) LIMIT :n) x"),
            {"n": edges}).all()
        east, south, north = conn.execute(text(
            "SELECT ST_XMax(e), ST_YMin(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM grid_cells) AS x")).one()
    db.dispose()
    if not inside:
        raise SystemExit("no located households: load the demo first "
                         "(onegrid demo load --size district)")
    beyond = [(east + 0.01 + 0.1 * i / outside, south + (north - south) * i / outside)
              for i in range(outside)]
    points = [(float(x), float(y)) for x, y in [*inside, *corners]] + beyond
    return [points[(i * 7919) % len(points)] for i in range(len(points))]  # mixed


def compare_answers(base: str, points) -> tuple[int, int]:
    """(points compared, points where /locate and the plain peer name different cells)."""
    differ = 0
    sample = points[:300]
    for x, y in sample:
        ours = httpx.get(f"{base}/locate", params={"lon": x, "lat": y}, timeout=30)
        peer = httpx.get(f"{base}/bench/plain-locate", params={"lon": x, "lat": y},
                         timeout=30).json()["cell"]
        ours_cell = (ours.json().get("cell") or {}).get("code") if ours.status_code == 200 \
            else None
        if ours_cell != (peer["code"] if peer else None):
            differ += 1
    return len(sample), differ


async def _sql_only(points: list[tuple[float, float]]) -> list[list]:
    import asyncpg

    from api.pool import POOL_SERVER_SETTINGS

    rows = []
    connection = await asyncpg.connect(libpq_url(), server_settings=POOL_SERVER_SETTINGS)
    try:
        for name, (sql, _) in (("locate_points.sql (pieces, ST_Covers)",
                                locate_async.asyncpg_statement()),
                               ("naive ST_Contains on whole cells",
                                locate_async.to_asyncpg(naive_point_sql()))):
            for size in (1, 8):
                started = time.perf_counter()
                found = 0
                for i in range(0, len(points), size):
                    batch = points[i:i + size]
                    answers = await connection.fetch(sql, [x for x, _ in batch],
                                                     [y for _, y in batch], None, None)
                    found += sum(a["cell_id"] is not None for a in answers)
                elapsed = time.perf_counter() - started
                rows.append([name, size, len(points), found,
                             f"{elapsed / len(points) * 1000:.3f}"])
    finally:
        await connection.close()
    return rows


def sql_only(points: list[tuple[float, float]]) -> list[list]:
    """The statements alone on one asyncpg connection, no HTTP: ms per point, batches of
    1 and of 8 points (the pool's settings: generic plans)."""
    return asyncio.run(_sql_only(points))


def index_only(points: list[tuple[float, float]]) -> tuple[list, int]:
    """The in-memory index alone: its build (what each reload costs), the lookups, and
    the points on which it disagrees with locate_points.sql (cell and regions)."""
    db = engine()
    with Session(db) as session:
        build, index = timed(lambda: load_cell_index(session))
        if index is None:
            raise SystemExit("no active generation with cells: load the demo first")
        started = time.perf_counter()
        found = sum(index.cell_row(x, y) is not None for x, y in points)
        lookup = (time.perf_counter() - started) / len(points)
        disagree = 0
        for i in range(0, len(points), 500):
            batch = points[i:i + 500]
            expected = session.execute(query("locate_points"), {
                "lons": [x for x, _ in batch], "lats": [y for _, y in batch],
                "generation_id": None, "at": None}).mappings().all()
            for (x, y), row in zip(batch, expected, strict=True):
                mine = index.cell_row(x, y)
                if (row["cell_id"] is None) != (mine is None) or (
                        mine is not None and any(mine[c] != row[c] for c in mine)):
                    disagree += 1
    db.dispose()
    return [["in-memory index: build (load + shapely + buckets)", index.cells, index.pieces,
             f"{build * 1000:.0f} ms"],
            ["in-memory index: one lookup", len(points), found,
             f"{lookup * 1e6:.1f} us"]], disagree


def wait_for_index(base: str, seconds: float = 120) -> dict:
    """/healthz until the server's cell index is current (it loads after start-up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = httpx.get(f"{base}/healthz", timeout=10).json()["locate_index"]
        if state["state"] == "current":
            return state
        time.sleep(0.2)
    raise SystemExit(f"the server's cell index did not load within {seconds} s: {state}")


ENDPOINTS = (("onegrid /locate (lane, cells in memory)", "/locate"),
             ("plain peer (a FastAPI route, one ST_Covers query)", "/bench/plain-locate"),
             ("naive peer (same lane, ST_Contains, whole cells)", "/bench/naive-locate"),
             ("ours on the database (lane, pieces, ST_Covers)", "/bench/database-locate"),
             ("/locate behind FastAPI's router (context)", "/bench/routed-locate"))


def load_rounds(base: str, points, *, rounds: int, connections: int,
                seconds: int) -> list[list]:
    """Every endpoint once per round, the order rotated from round to round, so that no
    endpoint always meets the warmest (or coldest) server: rows of (round, result, load)."""
    rows = []
    for name, path in ENDPOINTS:  # warm every endpoint on all the points first
        wrk(name, base, [f"{path}?lon={x:.7f}&lat={y:.7f}" for x, y in points],
            connections=connections, seconds=2)
    for number in range(rounds):
        order = ENDPOINTS[number % len(ENDPOINTS):] + ENDPOINTS[:number % len(ENDPOINTS)]
        for name, path in order:
            paths = [f"{path}?lon={x:.7f}&lat={y:.7f}" for x, y in points]
            result = wrk(name, base, paths, connections=connections, seconds=seconds)
            rows.append([number + 1, result, " ".join(f"{v:.2f}" for v in os.getloadavg())])
    return rows


def median_result(rows: list[list], name: str) -> LoadResult:
    """An endpoint's rounds summed up: median req/s, median p50 and p99, errors added."""
    runs = [r for _, r, _ in rows if r.name == name]
    return LoadResult(name, sum(r.requests for r in runs), sum(r.errors for r in runs),
                      statistics.median(r.rps for r in runs),
                      statistics.median(r.p50_ms for r in runs),
                      statistics.median(r.p99_ms for r in runs))


def run(*, rounds: int = 3, seconds: int = 5, connections: int = 8,
        points: int = 2000) -> dict:
    """For the report: every endpoint's medians over the rounds, and the answers checked."""
    sample = sample_points(points)
    with serve("bench.locate:app_with_naive_peer") as base:
        wait_for_index(base)
        compared, differ = compare_answers(base, sample)
        rows = load_rounds(base, sample, rounds=rounds, connections=connections,
                           seconds=seconds)
    return {"rounds": rounds, "seconds": seconds, "connections": connections,
            "points": len(sample), "compared": compared, "differ": differ,
            "results": [median_result(rows, name) for name, _ in ENDPOINTS]}


def report_rows(measured: dict) -> list[list[str]]:
    """Rows of endpoint, req/s, p50, p99, ours / it (throughput) against each other one."""
    results = measured["results"]
    ours = results[0]
    return [[r.name, f"{r.rps:.0f}", f"{r.p50_ms:.2f} ms", f"{r.p99_ms:.2f} ms",
             f"{r.errors}", "" if r is ours else ratio(ours.rps, r.rps)] for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    points = sample_points(args.points)
    with serve("bench.locate:app_with_naive_peer") as base:
        wait_for_index(base)
        compared, differ = compare_answers(base, points)
        print(f"/locate vs the plain peer: {differ} of {compared} points answered differently")
        rows = load_rounds(base, points, rounds=args.rounds, connections=args.connections,
                           seconds=args.seconds)
    sql_rows = sql_only(points)
    print_table("the SQL alone (one asyncpg connection, sequential)",
                ["statement", "batch", "points", "found", "ms/point"], sql_rows)
    print(f"SQL ours/naive time, batches of 1: "
          f"{ratio(float(sql_rows[0][4]), float(sql_rows[2][4]))}, of 8: "
          f"{ratio(float(sql_rows[1][4]), float(sql_rows[3][4]))}")
    index_rows, disagree = index_only(points)
    print_table("the in-memory index alone (no HTTP)", ["what", "cells / points",
                                                        "pieces / found", "time"], index_rows)
    print(f"points where the index and locate_points.sql disagree: {disagree} of "
          f"{len(points)}")
    print_table(f"/locate, 1 worker, {args.connections} connections, {args.seconds} s per run, "
                f"{len(points)} household points ({os.cpu_count()} CPUs)",
                ["round", "endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms",
                 "load avg after"],
                [[n, r.name, r.requests, r.errors, f"{r.rps:.0f}", f"{r.p50_ms:.2f}",
                  f"{r.p99_ms:.2f}", load] for n, r, load in rows])
    ours, plain_peer, peer, database = (median_result(rows, name)
                                        for name, _ in ENDPOINTS[:4])
    print(f"throughput ours/plain peer: {ratio(ours.rps, plain_peer.rps)} "
          f"({plain_peer.rps:.0f} req/s, p99 {plain_peer.p99_ms:.2f} ms)")
    met = ours.p99_ms <= 5 and ours.rps >= 2500 and ours.errors == 0
    print(f"\nmedians of {args.rounds} rounds: ours {ours.rps:.0f} req/s, "
          f"p99 {ours.p99_ms:.2f} ms; naive {peer.rps:.0f} req/s, p99 {peer.p99_ms:.2f} ms; "
          f"ours on the database {database.rps:.0f} req/s, p99 {database.p99_ms:.2f} ms")
    print(f"throughput ours/naive: {ratio(ours.rps, peer.rps)}; "
          f"p99 ours/naive: {ratio(ours.p99_ms, peer.p99_ms)}; "
          f"goal (median p99 <= 5 ms, >= 2,500 req/s): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
