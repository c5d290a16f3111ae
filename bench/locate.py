"""/locate through the API (one uvicorn worker, 8 connections) vs a naive ST_Contains peer.

All endpoints are served by the same process in the same run:
- onegrid /locate: the fast path (async, asyncpg pool, one prepared statement
  gis/sql/locate_point.sql with ST_Covers on the subdivided pieces, cached principal);
- the naive peer: the SAME endpoint machinery and statement, only its cell lookup is
  ST_Contains on whole (unsubdivided) cells: the ratio is the SQL's;
- for context, the previous sync route (SQLAlchemy session, RLS role switch,
  principal re-read per request, two statements), as /bench/sync-locate.
Points are household locations. The load average is printed (the machine may be shared).

    .venv/bin/python -m bench.locate [--seconds 10] [--connections 8]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import time
from typing import Annotated

import orjson
from fastapi import Depends, Query, Request, Response
from sqlalchemy import text

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from api.pool import get_pool
from api.routers.locate import cached_principal
from bench.common import engine, onegrid_app, print_table, ratio, serve, wrk
from gis.auth.principal import Principal
from gis.grid import locate_async, service
from gis.sql import query

# The peer's cell lookup: whole (unsubdivided) cells, ST_Contains; the GiST index on
# grid_cells.geom still answers the bounding-box part.
NAIVE_CELL_CTE = """cell AS (
    SELECT c.id, c.code, c.name, c.kind
    FROM point, generation, grid_cells AS c
    WHERE ST_Contains(c.geom, point.geom)
      AND c.generation_low <= generation.id
      AND (c.generation_high IS NULL OR c.generation_high >= generation.id)
    ORDER BY c.code
    LIMIT 1
),
chain AS ("""


def naive_point_sql() -> str:
    """locate_point.sql with its cell CTE swapped for the naive one (all else identical)."""
    sql, swapped = re.subn(r"cell AS \(.*?\),\s*chain AS \(", lambda _: NAIVE_CELL_CTE,
                           locate_async.sql_text(), count=1, flags=re.S)
    if swapped != 1:
        raise SystemExit("locate_point.sql changed shape: update bench.locate.naive_point_sql")
    return sql


def app_with_naive_peer():
    """uvicorn --factory target: the real app plus /bench/naive-locate and /bench/sync-locate."""
    app = onegrid_app()
    statement = locate_async.to_asyncpg(naive_point_sql())

    @app.get("/bench/naive-locate")
    async def naive_locate(request: Request,
                           principal: Annotated[Principal, Depends(cached_principal)],
                           lon: Annotated[float, Query()], lat: Annotated[float, Query()],
                           generation: int | None = None,
                           at: dt.date | None = None) -> Response:
        principal.require("cells:read")
        asked = locate_async.PointQuery(lon=lon, lat=lat, generation_id=generation, at=at)
        answer = await locate_async.locate_point(get_pool(request), asked,
                                                 statement=statement)
        return Response(orjson.dumps(answer), media_type="application/json")

    @app.get("/bench/sync-locate")
    def sync_locate(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
                    lon: Annotated[float, Query()], lat: Annotated[float, Query()]) -> dict:
        principal.require("cells:read")
        return service.locate(session, lon=lon, lat=lat, generation_id=generation.id)

    return app


def sample_points(count: int) -> list[tuple[float, float]]:
    db = engine()
    with db.connect() as conn:
        rows = conn.execute(text(
            "SELECT ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL "
            "ORDER BY md5(id::text) LIMIT :n"), {"n": count}).all()
    db.dispose()
    if not rows:
        raise SystemExit("no located households: load the demo first "
                         "(onegrid demo load --size district)")
    return [(float(x), float(y)) for x, y in rows]


def sql_only(points: list[tuple[float, float]]) -> list[list]:
    """The two whole statements alone, one connection, no HTTP: mean ms per point."""
    db = engine()
    rows = []
    with db.connect() as conn:
        for name, statement in (("locate_point.sql (pieces, ST_Covers)", query("locate_point")),
                                ("naive ST_Contains on whole cells", text(naive_point_sql()))):
            started = time.perf_counter()
            found = sum(conn.execute(statement, {"lon": x, "lat": y, "generation_id": None,
                                                 "at": None}).mappings().one()["cell_id"]
                        is not None for x, y in points)
            elapsed = time.perf_counter() - started
            rows.append([name, len(points), found, f"{elapsed / len(points) * 1000:.3f}"])
    db.dispose()
    return rows


ENDPOINTS = (("onegrid /locate (fast path, pieces, ST_Covers)", "/locate"),
             ("naive peer (same path, ST_Contains, whole cells)", "/bench/naive-locate"),
             ("previous sync /locate (for context)", "/bench/sync-locate"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    points = sample_points(args.points)
    results, loads = [], []
    with serve("bench.locate:app_with_naive_peer") as base:
        for name, path in ENDPOINTS:
            paths = [f"{path}?lon={x:.7f}&lat={y:.7f}" for x, y in points]
            wrk(name, base, paths[:50], connections=args.connections, seconds=2)  # warm up
            results.append(wrk(name, base, paths, connections=args.connections,
                               seconds=args.seconds))
            loads.append(" ".join(f"{v:.2f}" for v in os.getloadavg()))
    ours, peer, _ = results
    sql_rows = sql_only(points)
    print_table("the SQL alone (one connection, sequential)",
                ["statement", "points", "found", "ms/point"], sql_rows)
    print(f"SQL ours/naive time: {ratio(float(sql_rows[0][3]), float(sql_rows[1][3]))}")
    print_table(f"/locate, 1 worker, {args.connections} connections, {args.seconds} s each, "
                f"{len(points)} household points ({os.cpu_count()} CPUs)",
                ["endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms",
                 "load avg after"],
                [[r.name, r.requests, r.errors, f"{r.rps:.0f}", f"{r.p50_ms:.2f}",
                  f"{r.p99_ms:.2f}", load] for r, load in zip(results, loads, strict=True)])
    met = ours.p99_ms <= 5 and ours.rps >= 2500 and ours.errors == 0
    print(f"\nthroughput ours/naive: {ratio(ours.rps, peer.rps)}; "
          f"p99 ours/naive: {ratio(ours.p99_ms, peer.p99_ms)}; "
          f"goal (p99 <= 5 ms, >= 2,500 req/s): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
