"""Vector tiles of the cells at z10, z12, z14: onegrid's /tiles vs tipg, like for like.

Same work, same role, same output: tipg serves a view with exactly the columns of
onegrid's "cells" layer (code, name, kind, dedicated_type, village_code, area_m2,
households, households_per_km2; the active generation's cells; counts from
cell_rollups), and connects with the service's own app login (row-level security on)
with the unrestricted scope set for its connections, which is how onegrid serves its
development admin. Both run in this run (one uvicorn worker each, wrk with 8
connections), every tile covering the data requested in turn, `--rounds` rounds with the
servers alternating; median req/s and p50 with their spread. A server that fails or
times out is recorded as such, not a crash.

The view (schema bench_tipg) is created for the run by the owner and granted to the app
role, committed (tipg must see it from its own connections) and dropped at the end.

    make bench (ONEGRID_BENCH=1 installs tipg into .venv-tipg)
    .venv/bin/python -m bench.tiles [--seconds 5] [--rounds 3]
"""
from __future__ import annotations

import argparse
import math
import statistics
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.common import app_database_url, engine, print_table, serve, wrk
from gis.db_roles import quote_ident

ZOOMS = (10, 12, 14)
ROOT = Path(__file__).resolve().parents[1]
TIPG_PYTHON = ROOT / ".venv-tipg" / "bin" / "python"
# The columns of gis/sql/tiles_cells.sql's features, for the active generation.
VIEW = """
CREATE VIEW bench_tipg.cells WITH (security_invoker = true) AS
SELECT c.code::text AS code, c.name, c.kind, c.dedicated_type,
       c.village_code::text AS village_code, round(c.area_m2)::bigint AS area_m2,
       coalesce(r.households, 0) AS households,
       round((coalesce(r.households, 0) / nullif(c.area_m2 / 1e6, 0))::numeric, 1)::float
           AS households_per_km2,
       c.geom
FROM grid_cells AS c
LEFT JOIN cell_rollups AS r ON r.cell_id = c.id
WHERE c.generation_low <= {g} AND (c.generation_high IS NULL OR c.generation_high >= {g})
"""


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


FEATURES_PER_TILE = text("""
SELECT avg(n)::float8 FROM (
    -- cells of the active generation whose bbox meets each tile (EPSG:4326, as
    -- gis/sql/tiles_cells.sql selects them; its buffer margin left out): the features a
    -- tile carries, so that a zoom's req/s can be read per feature across sizes
    SELECT (SELECT count(*) FROM grid_cells AS c
            WHERE c.geom && ST_Transform(ST_TileEnvelope(:z, t.x, t.y), 4326)
              AND c.generation_low <= g.id
              AND (c.generation_high IS NULL OR c.generation_high >= g.id)) AS n
    FROM unnest(CAST(:xs AS integer[]), CAST(:ys AS integer[])) AS t(x, y),
         (SELECT id FROM grid_generations WHERE status = 'active') AS g
) AS per_tile""")


def features_per_tile(tiles: dict[int, list[tuple[int, int]]]) -> dict[int, float]:
    """{z: mean cells per tile} over the tiles each zoom requests."""
    db = engine()
    with db.connect() as conn:
        out = {z: conn.execute(FEATURES_PER_TILE, {"z": z, "xs": [x for x, _ in xys],
                                                    "ys": [y for _, y in xys]}).scalar_one()
               for z, xys in tiles.items()}
    db.dispose()
    return out


def mean_bytes(base: str, paths: list[str]) -> float:
    sizes = [len(httpx.get(base + p, timeout=30).content) for p in paths[:100]]
    return sum(sizes) / len(sizes)


@contextmanager
def tipg_view_and_role():
    """The view tipg serves, and tipg's URL: the service's own app login (row-level
    security on), with the admin's unrestricted scope as a connection setting, exactly
    what our service sets per transaction for the dev administrator. Dropped after."""
    from sqlalchemy.orm import Session

    from gis.grid.generations import resolve_generation

    app_url = make_url(app_database_url())
    db = engine()  # the owner: creates the schema and grants its view to the app role
    with Session(db) as session:
        generation = int(resolve_generation(session).id)
        session.execute(text("DROP SCHEMA IF EXISTS bench_tipg CASCADE"))
        session.execute(text("CREATE SCHEMA bench_tipg"))
        session.execute(text(VIEW.format(g=generation)))  # an int from the database
        app = quote_ident(app_url.username)
        for statement in (f"GRANT USAGE ON SCHEMA bench_tipg TO {app}",
                          f"GRANT SELECT ON bench_tipg.cells TO {app}"):
            session.execute(text(statement))  # a quoted role name from the settings
        session.commit()
    # asyncpg passes unknown DSN query parameters on as server settings
    url = app_url.set(drivername="postgresql", query={"onegrid.scope_all": "on"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with Session(db) as session:
            session.execute(text("DROP SCHEMA IF EXISTS bench_tipg CASCADE"))
            session.commit()
        db.dispose()


def servers(tipg_url: str, *, pool: int) -> dict:
    """Both servers with the same number of database connections (`pool`)."""
    return {
        "onegrid": dict(target="bench.common:onegrid_app", factory=True,
                        env={"ONEGRID_DATABASE__ASYNC_POOL_SIZE": str(pool)},
                        ready="/healthz", template="/tiles/cells/{z}/{x}/{y}.pbf"),
        "tipg": dict(target="tipg.main:app", factory=False, python=str(TIPG_PYTHON),
                     env={"DATABASE_URL": tipg_url, "TIPG_DB_SCHEMAS": '["bench_tipg"]',
                          "DB_MIN_CONN_SIZE": "1", "DB_MAX_CONN_SIZE": str(pool)},
                     ready="/collections",
                     template="/collections/bench_tipg.cells/tiles/WebMercatorQuad/{z}/{x}/{y}"),
    }


def one_server(name: str, spec: dict, tiles: dict, *, seconds: int, connections: int) -> dict:
    """{z: (req/s, p50 ms, mean bytes)} or {z: error text} for one server's turn."""
    out = {}
    try:
        with serve(spec["target"], env=spec["env"], ready=spec["ready"],
                   factory=spec["factory"], **({"python": spec["python"]}
                                               if "python" in spec else {})) as base:
            for z in ZOOMS:
                paths = [spec["template"].format(z=z, x=x, y=y) for x, y in tiles[z]]
                try:
                    wrk(name, base, paths[:20], connections=connections, seconds=1)
                    result = wrk(f"{name} z{z}", base, paths, connections=connections,
                                 seconds=seconds)
                    if result.errors or not result.requests:
                        out[z] = f"{result.errors} errors in {result.requests} requests"
                    else:
                        out[z] = (result.rps, result.p50_ms, mean_bytes(base, paths))
                except Exception as error:  # a slow or failing peer is a result, not a crash
                    out[z] = f"failed: {error}"[:80]
    except Exception as error:
        out = dict.fromkeys(ZOOMS, f"did not start: {error}"[:80])
    return out


def run(*, rounds: int = 3, seconds: int = 5, connections: int = 8,
        pool: int | None = None) -> list[list[str]]:
    if not TIPG_PYTHON.exists():
        return [[f"z{z}", "tipg not installed (.venv-tipg)", "", "", ""] for z in ZOOMS]
    bbox = district_bbox()
    tiles = {z: tile_range(bbox, z) for z in ZOOMS}
    features = features_per_tile(tiles)
    runs: dict[str, list[dict]] = {"onegrid": [], "tipg": []}
    with tipg_view_and_role() as tipg_url:
        specs = servers(tipg_url, pool=pool or connections)
        for number in range(rounds):
            order = list(specs) if number % 2 == 0 else list(reversed(specs))
            for name in order:
                runs[name].append(one_server(name, specs[name], tiles, seconds=seconds,
                                             connections=connections))
    return [row_for(z, len(tiles[z]), runs, features[z]) for z in ZOOMS]


def shown(results: list) -> tuple[str, float | None]:
    """'median req/s (min-max), p50' over rounds, or the first failure."""
    failures = [r for r in results if isinstance(r, str)]
    if failures:
        return failures[0], None
    rps = [r[0] for r in results]
    p50 = statistics.median(r[1] for r in results)
    size = statistics.median(r[2] for r in results) / 1024
    median = statistics.median(rps)
    return (f"{median:.0f} req/s ({min(rps):.0f}-{max(rps):.0f}), p50 {p50:.1f} ms, "
            f"{size:.1f} KiB"), median


def row_for(z: int, count: int, runs: dict, features: float | None = None) -> list[str]:
    ours, ours_rps = shown([r[z] for r in runs["onegrid"]])
    peer, peer_rps = shown([r[z] for r in runs["tipg"]])
    ratio = f"{ours_rps / peer_rps:.2f}x" if ours_rps and peer_rps else "n/a"
    per_tile = f", {features:.1f} cells per tile" if features is not None else ""
    return [f"z{z} ({count} tiles{per_tile})", ours, peer, ratio, str(len(runs["onegrid"]))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pool", type=int, default=None,
                        help="database connections of each server (default: --connections)")
    args = parser.parse_args()
    pool = args.pool or args.connections
    rows = run(rounds=args.rounds, seconds=args.seconds, connections=args.connections,
               pool=pool)
    print_table(f"vector tiles, app role, 1 worker each, {args.connections} connections, "
                f"{pool} database connections each, {args.seconds} s per zoom, no caching "
                f"on either side; median (min-max) over rounds",
                ["zoom", "onegrid", "tipg", "ratio (req/s)", "rounds"], rows)


if __name__ == "__main__":
    main()
