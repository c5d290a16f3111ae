"""/locate through the API (one uvicorn worker, 8 connections) vs a naive ST_Contains peer.

Both endpoints are served by the same process in the same run, with the same dependencies
(session, caller, generation); only the SQL differs: ours uses ST_Covers on the
subdivided pieces, the peer ST_Contains on whole cells. Points are household locations.

    .venv/bin/python -m bench.locate [--seconds 10] [--connections 8]
"""
from __future__ import annotations

import argparse
import time
from typing import Annotated

from fastapi import Query
from sqlalchemy import text

from api.deps import PrincipalDep, SessionDep
from api.params import GenerationDep
from bench.common import engine, onegrid_app, print_table, ratio, serve, wrk
from gis.sql import query

# The peer's SQL: whole (unsubdivided) cells, ST_Contains; the GiST index on
# grid_cells.geom still answers the bounding-box part.
NAIVE_CELL = text("""
SELECT c.id, c.code, c.name, c.kind FROM grid_cells AS c
WHERE ST_Contains(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
  AND c.generation_low <= :generation_id
  AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
ORDER BY c.code LIMIT 1""")


def app_with_naive_peer():
    """uvicorn --factory target: the real app plus /bench/naive-locate."""
    app = onegrid_app()

    @app.get("/bench/naive-locate")
    def naive_locate(session: SessionDep, principal: PrincipalDep, generation: GenerationDep,
                     lon: Annotated[float, Query()], lat: Annotated[float, Query()]) -> dict:
        principal.require("cells:read")
        cell = session.execute(NAIVE_CELL, {"lon": lon, "lat": lat,
                                            "generation_id": generation.id}).mappings().first()
        regions = session.execute(query("locate_regions"), {"lon": lon, "lat": lat}).all()
        return {"lon": lon, "lat": lat, "cell": dict(cell) if cell else None,
                "regions": [r.code for r in regions]}

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


def sql_only(points: list[tuple[float, float]], generation_id: int = 0) -> list[list]:
    """The two point-in-cell queries alone, one connection, no HTTP: mean ms per point."""
    db = engine()
    rows = []
    with db.connect() as conn:
        generation_id = generation_id or conn.execute(text(
            "SELECT id FROM grid_generations WHERE status = 'active'")).scalar()
        for name, statement in (("locate_cell.sql (pieces, ST_Covers)", query("locate_cell")),
                                ("naive ST_Contains on whole cells", NAIVE_CELL)):
            started = time.perf_counter()
            found = sum(conn.execute(statement, {"lon": x, "lat": y,
                                                 "generation_id": generation_id}).first()
                        is not None for x, y in points)
            elapsed = time.perf_counter() - started
            rows.append([name, len(points), found, f"{elapsed / len(points) * 1000:.3f}"])
    db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    points = sample_points(args.points)
    results = []
    with serve("bench.locate:app_with_naive_peer") as base:
        for name, path in (("onegrid /locate (pieces, ST_Covers)", "/locate"),
                           ("naive ST_Contains on whole cells", "/bench/naive-locate")):
            paths = [f"{path}?lon={x:.7f}&lat={y:.7f}" for x, y in points]
            wrk(name, base, paths[:50], connections=args.connections, seconds=2)  # warm up
            results.append(wrk(name, base, paths, connections=args.connections,
                               seconds=args.seconds))
    ours, peer = results
    sql_rows = sql_only(points)
    print_table("the SQL alone (one connection, sequential)",
                ["query", "points", "found", "ms/point"], sql_rows)
    print(f"SQL ours/naive time: {ratio(float(sql_rows[0][3]), float(sql_rows[1][3]))}")
    print_table(f"/locate, 1 worker, {args.connections} connections, {args.seconds} s each, "
                f"{len(points)} household points",
                ["endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms"],
                [[r.name, r.requests, r.errors, f"{r.rps:.0f}", f"{r.p50_ms:.2f}",
                  f"{r.p99_ms:.2f}"] for r in results])
    print(f"\nthroughput ours/naive: {ratio(ours.rps, peer.rps)}; "
          f"p99 ours/naive: {ratio(ours.p99_ms, peer.p99_ms)} "
          f"(goal: p99 <= 5 ms, >= 2,500 req/s)")


if __name__ == "__main__":
    main()
