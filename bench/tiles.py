"""Vector tiles of the cells at z10, z12, z14: onegrid's /tiles vs tipg on the same table.

Both servers run in this run (one uvicorn worker each, 8 connections via wrk) against the
same database; every tile covering the demo district is requested in turn. tipg serves
public.grid_cells as it is (all rows, its own property set); onegrid serves the active
generation with household counts, so onegrid does a little more work per tile.

    .venv/bin/pip install tipg   # bench only, not a project dependency
    .venv/bin/python -m bench.tiles [--seconds 5]
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.common import engine, libpq_url, print_table, ratio, serve, wrk

ZOOMS = (10, 12, 14)


def tile_range(bbox: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """Every Web Mercator tile (x, y) at zoom z touching a lon/lat bbox."""
    west, south, east, north = bbox
    n = 2**z

    def x_of(lon: float) -> int:
        return min(n - 1, int((lon + 180) / 360 * n))

    def y_of(lat: float) -> int:
        return min(n - 1, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))

    return [(x, y) for x in range(x_of(west), x_of(east) + 1)
            for y in range(y_of(north), y_of(south) + 1)]


def district_bbox() -> tuple[float, float, float, float]:
    db = engine()
    with db.connect() as conn:
        row = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM grid_cells) AS x")).one()
    db.dispose()
    if row[0] is None:
        raise SystemExit("no cells: load the demo first (onegrid demo load --size district)")
    return tuple(float(v) for v in row)


def mean_bytes(base: str, paths: list[str]) -> float:
    sizes = [len(httpx.get(base + p, timeout=30).content) for p in paths[:100]]
    return sum(sizes) / len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("uvicorn", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("uvicorn is missing from this venv")
    bbox = district_bbox()
    tiles = {z: tile_range(bbox, z) for z in ZOOMS}
    servers = {
        "onegrid": ("bench.common:onegrid_app", True, {}, "/healthz",
                    "/tiles/cells/{z}/{x}/{y}.pbf"),
        "tipg": ("tipg.main:app", False, {"DATABASE_URL": libpq_url(),
                                          "TIPG_DB_SCHEMAS": '["public"]',
                                          "TIPG_DB_TABLES": '["public.grid_cells"]'},
                 "/collections",
                 "/collections/public.grid_cells/tiles/WebMercatorQuad/{z}/{x}/{y}"),
    }
    results: dict[tuple[str, int], tuple] = {}
    for name, (target, factory, env, ready, template) in servers.items():
        with serve(target, env=env, ready=ready, factory=factory) as base:
            for z in ZOOMS:
                paths = [template.format(z=z, x=x, y=y) for x, y in tiles[z]]
                wrk(name, base, paths[:20], connections=args.connections, seconds=1)
                result = wrk(f"{name} z{z}", base, paths, connections=args.connections,
                             seconds=args.seconds)
                results[name, z] = (result, mean_bytes(base, paths))
    rows = []
    for z in ZOOMS:
        ours, ours_bytes = results["onegrid", z]
        peer, peer_bytes = results["tipg", z]
        for result, size in ((ours, ours_bytes), (peer, peer_bytes)):
            rows.append([result.name, len(tiles[z]), result.requests, result.errors,
                         f"{result.rps:.0f}", f"{result.p50_ms:.1f}", f"{result.p99_ms:.1f}",
                         f"{size / 1024:.1f}"])
        rows.append([f"  ratio onegrid/tipg z{z}", "", "", "", ratio(ours.rps, peer.rps),
                     ratio(ours.p50_ms, peer.p50_ms), ratio(ours.p99_ms, peer.p99_ms),
                     ratio(ours_bytes, peer_bytes)])
    print_table(f"vector tiles of grid_cells, 1 worker each, {args.connections} connections, "
                f"{args.seconds} s per zoom",
                ["server", "tiles", "requests", "errors", "req/s", "p50 ms", "p99 ms", "KiB"],
                rows)


if __name__ == "__main__":
    main()
