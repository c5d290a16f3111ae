"""Intake through the API (located, routed, stored) vs the same work as naive queries.

One uvicorn worker serves both, in the same run (dev mode: the development administrator,
as the service's app login with row-level security on, unrestricted scope); wrk sends
POSTs from 8 connections, the two alternating round by round; median req/s, p50 and p99
over rounds with their spread; a side that fails or times out is recorded as such.
- ours: POST /incidents (gis.incidents.intake.report behind the app's router, auth and
  session): category, the /locate statement under the generation in force that day (cell,
  village, town, district in one query), the next id, insert case and log row (ORM), the
  cell's staff on duty, the nearest staff (KNN on the positions' GiST index), probable
  duplicates; the full JSON answer.
- peer: POST /bench/naive-intake, a plain FastAPI route (sync, its own SQLAlchemy pool of
  8 on the same login, same principal and scope) doing the same work one naive statement
  at a time: the category; the generation in force; the cell (ST_Covers on whole cells);
  its village, town and district (one query each); staff on duty (the same SQL); the
  nearest staff (ST_Distance on the spheroid over every fresh position, no KNN); the next
  id, insert case (with its code), insert the log row; duplicates (the same SQL). It
  answers the case, where it lies and who could handle it (fewer fields than ours).
Both write, committed, per request: one `incidents` row (status reported, level village,
the category's triage and department, the cell and its region chain, generation) and one
`incident_transitions` row (action report, by the development administrator), and the
NOTIFY of the insert. Before the load, a sample of points is sent
to both and the rows and answers compared (the duplicates offered are left out: the twin
reported a moment before is one). Points: household locations; categories: every active
one without a required question. The cases stay (the log is append-only): run it on a
scratch database (bench/report.py uses a throwaway cluster). Staff positions, if the
database has none, are made for every assigned member of staff (in their cell, now).

    .venv/bin/python -m bench.dispatch_intake [--seconds 5] [--rounds 3]
        [--database-url OWNER_URL --app-url APP_URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from fastapi import Body, HTTPException
from sqlalchemy import text

from bench.common import LoadResult, _parse_wrk, onegrid_app, serve
from gis.auth import rls
from gis.auth.principal import development_principal
from gis.auth.scope import rls_settings
from gis.db import make_engine
from gis.db_roles import service_url
from gis.sql import query

PATHS = {"ours": "/incidents", "peer": "/bench/naive-intake"}
SERVER_ENV = {"ONEGRID_INCIDENTS__SWEEP_SECONDS": "0"}  # no timer writes during the run

CATEGORY = text("SELECT id, code, name_zh, department, triage FROM incident_categories"
                " WHERE code = :code AND active")
GENERATION_AT = text("""
SELECT id FROM grid_generations
WHERE status IN ('active', 'retired') AND effective_from <= :day
  AND (effective_to IS NULL OR effective_to >= :day)
ORDER BY id DESC LIMIT 1""")
CELL = text("""
SELECT id, code, name, kind, village_code FROM grid_cells
WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
  AND generation_low <= :g AND (generation_high IS NULL OR generation_high >= :g)
ORDER BY code LIMIT 1""")
REGION = text("SELECT btrim(code) AS code, name FROM regions WHERE code = :code")
NEAREST = text("""
SELECT s.id, s.name, s.phone, sp.reported_at AS position_at,
       ST_Distance(sp.geom::geography,
                   ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
FROM staff_positions AS sp JOIN staff AS s ON s.id = sp.staff_id AND s.active
WHERE sp.reported_at >= :now - make_interval(hours => 24)
ORDER BY distance_m, s.id LIMIT :limit""")
INSERT_CASE = text("""
INSERT INTO incidents (id, code, category_id, source, status, triage, level, department,
                       title, geom, reported_at, updated_at, generation_id, cell_id, cell_code,
                       village_code, town_code, district_code, reporter, attributes)
VALUES (:id, :code, :category_id, :source, 'reported', :triage, 'village', :department,
        :title, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :now, :now, :generation_id,
        :cell_id, :cell_code, :village_code, :town_code, :district_code, '{}', '{}')""")
NEXT_ID = text("SELECT nextval(pg_get_serial_sequence('incidents', 'id'))")
INSERT_LOG = text("""
INSERT INTO incident_transitions (incident_id, from_status, to_status, level, actor, at,
                                  action, role, note)
VALUES (:id, NULL, 'reported', 'village', :actor, :now, 'report', :role, :note)""")
ZONE = ZoneInfo("Asia/Shanghai")


def app_with_naive_intake():
    """uvicorn --factory target: the real app plus POST /bench/naive-intake (the peer)."""
    app = onegrid_app()
    settings = app.state.settings
    principal = development_principal(settings.security.dev_user)  # whom ours serves
    plain = make_engine(service_url(settings.database), pool_size=8)  # app login

    @app.post("/bench/naive-intake", status_code=201)
    def naive_intake(body: dict = Body(...)) -> dict:
        now = dt.datetime.now(dt.UTC)
        with plain.begin() as conn:
            rls.apply_to_connection(conn, rls_settings(principal))
            return naive_report(conn, body=body, now=now, actor=principal.username,
                                limit=settings.incidents.nearest_staff,
                                radius_m=settings.incidents.duplicate_radius_m,
                                hours=settings.incidents.duplicate_hours)

    return app


def naive_report(conn, *, body: dict, now: dt.datetime, actor: str, limit: int,
                 radius_m: float, hours: float) -> dict:
    """The peer's work for one report, one statement at a time (see the module docstring)."""
    category = conn.execute(CATEGORY, {"code": body["category"]}).mappings().first()
    if category is None:
        raise HTTPException(422, f"unknown category {body['category']!r}")
    lon, lat, day = float(body["lon"]), float(body["lat"]), now.astimezone(ZONE).date()
    generation = conn.execute(GENERATION_AT, {"day": day}).scalar()
    cell = conn.execute(CELL, {"lon": lon, "lat": lat, "g": generation}).mappings().first()
    chain = {}
    if cell is not None:
        village = cell["village_code"]
        for level, code in (("village", village), ("town", village[:9] + "000"),
                            ("district", village[:6] + "000000")):
            chain[level] = dict(conn.execute(REGION, {"code": code}).mappings().first() or {})
    on_duty = conn.execute(query("incident_staff_on_duty"), {
        "cell_code": cell["code"] if cell else None, "day": day}).mappings().all()
    nearest = conn.execute(NEAREST, {"lon": lon, "lat": lat, "now": now,
                                     "limit": limit}).mappings().all()
    case_id = conn.execute(NEXT_ID).scalar_one()
    code = f"SJ{day:%Y%m%d}{case_id:06d}"
    conn.execute(INSERT_CASE, {
        "id": case_id, "code": code, "category_id": category["id"],
        "source": body["source"], "triage": category["triage"],
        "department": category["department"], "title": category["name_zh"], "lon": lon,
        "lat": lat, "now": now, "generation_id": generation,
        "cell_id": cell["id"] if cell else None, "cell_code": cell["code"] if cell else None,
        **{f"{level}_code": chain.get(level, {}).get("code")
           for level in ("village", "town", "district")}})
    conn.execute(INSERT_LOG, {"id": case_id, "actor": actor, "now": now, "role": "admin",
                              "note": f"source: {body['source']}"})
    duplicates = conn.execute(query("incident_duplicates"), {
        "lon": lon, "lat": lat, "radius_m": radius_m, "hours": hours,
        "category_id": category["id"], "incident_id": case_id,
        "reported_at": now}).mappings().all()
    return {"id": case_id, "code": code, "generation": generation,
            "cell": dict(cell) if cell else None, **chain,
            "staff_on_duty": [dict(r) for r in on_duty],
            "nearest_staff": [{**r, "distance_m": round(r["distance_m"], 1)} for r in nearest],
            "probable_duplicates": [dict(r) for r in duplicates]}


def ensure_positions(owner_url: str) -> int:
    """Staff positions for nearest-staff routing: when the database has none (the demo
    keeps none), one for every assigned, active member of staff inside a cell of theirs,
    reported now. Committed by the owner. Returns how many positions there are."""
    engine = make_engine(owner_url, pool_size=1)
    try:
        with engine.begin() as conn:
            if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM staff_positions)")).scalar():
                conn.execute(text("""
                    INSERT INTO staff_positions (staff_id, geom, reported_at)
                    SELECT DISTINCT ON (a.staff_id) a.staff_id, ST_PointOnSurface(c.geom), now()
                    FROM staff_assignments AS a JOIN staff AS s ON s.id = a.staff_id AND s.active
                    JOIN grid_cells AS c ON c.code = a.cell_code AND c.generation_high IS NULL
                    ORDER BY a.staff_id, a.cell_code"""))
                conn.execute(text("ANALYZE staff_positions"))
            return conn.execute(text("SELECT count(*) FROM staff_positions")).scalar_one()
    finally:
        engine.dispose()


def sample_bodies(owner_url: str, count: int) -> list[dict]:
    """Reports at household locations (else inside each cell), the categories in turn."""
    engine = make_engine(owner_url, pool_size=1)
    try:
        with engine.connect() as conn:
            points = conn.execute(text(
                "SELECT ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL "
                "ORDER BY md5(id::text) LIMIT :n"), {"n": count}).all() or conn.execute(text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p"
                " FROM grid_cells WHERE generation_high IS NULL ORDER BY code) AS c"
                )).all()  # a grid with no households yet (the tests' tiny one)
            categories = conn.execute(text(
                "SELECT code FROM incident_categories WHERE active AND NOT EXISTS ("
                " SELECT 1 FROM jsonb_array_elements(open311_attributes) AS a"
                " WHERE (a->>'required')::boolean) ORDER BY code")).scalars().all()
    finally:
        engine.dispose()
    if not points:
        raise SystemExit("no located households: load the demo first "
                         "(onegrid demo load --size district)")
    return [{"source": "patrol", "category": categories[i % len(categories)],
             "lon": round(float(x), 7), "lat": round(float(y), 7)}
            for i, (x, y) in enumerate(points[i % len(points)] for i in range(count))]


STORED = text("""
SELECT i.category_id, i.source, i.status, i.triage, i.level, i.department, i.title,
       ST_AsText(i.geom) AS geom, i.generation_id, i.cell_id, i.cell_code, i.village_code,
       i.town_code, i.district_code, i.reporter, i.attributes, i.due_at, i.light,
       t.from_status, t.to_status, t.level AS log_level, t.actor, t.action, t.role, t.note,
       (SELECT count(*) FROM incident_transitions AS x WHERE x.incident_id = i.id) AS log_rows
FROM incidents AS i JOIN incident_transitions AS t ON t.incident_id = i.id
WHERE i.id = :id""")


def answer_of(side: str, body: dict) -> dict:
    """What both answers hold in common, in one shape (duplicates left out)."""
    if side == "ours":
        loc = body["located"] or {}
        cell = (loc.get("cell") or {}).get("code")
        chain = [(loc.get(level) or {}).get("code") for level in ("village", "town",
                                                                  "district")]
        generation = body["generation"]
    else:
        cell = (body["cell"] or {}).get("code")
        chain = [body.get(level, {}).get("code") for level in ("village", "town", "district")]
        generation = body["generation"]
        body = {**body, "staff_on_duty": {"staff": body["staff_on_duty"]},
                "nearest_staff": {"staff": body["nearest_staff"]}}
    return {"cell": cell, "chain": chain, "generation": generation,
            "on_duty": [s["id"] for s in body["staff_on_duty"]["staff"]],
            "nearest": [(s["id"], s["distance_m"]) for s in body["nearest_staff"]["staff"]]}


def compare(base: str, owner_url: str, bodies: list[dict]) -> tuple[int, list[str]]:
    """Each body sent to both sides: (bodies compared, differences found)."""
    engine = make_engine(owner_url, pool_size=1)
    differences = []
    try:
        with httpx.Client(base_url=base, timeout=60) as client, engine.connect() as conn:
            for body in bodies:
                answers, rows = {}, {}
                for side, path in PATHS.items():
                    response = client.post(path, json=body)
                    if response.status_code != 201:
                        differences.append(f"{side}: {response.status_code} "
                                           f"{response.text[:200]}")
                        break
                    answers[side] = answer_of(side, response.json())
                    rows[side] = dict(conn.execute(STORED, {"id": response.json()["id"]})
                                      .mappings().one())
                    conn.rollback()
                else:
                    for what, pair in (("answer", answers), ("stored rows", rows)):
                        if pair["ours"] != pair["peer"]:
                            differences.append(f"{what} differ at {body}: ours {pair['ours']}"
                                               f", peer {pair['peer']}")
    finally:
        engine.dispose()
    return len(bodies), differences


_WRK_POST = """
local bodies = {BODIES}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "PATH", nil, bodies[i])
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\\n", summary.requests, errors,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


def wrk_post(name: str, base: str, path: str, bodies: list[dict], *, connections: int,
             seconds: int) -> LoadResult:
    """wrk (one thread, `connections` keep-alive connections) POSTing the bodies in turn."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    literal = ",".join(f"[[{json.dumps(b)}]]" for b in bodies)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "post.lua"
        script.write_text(_WRK_POST.replace("BODIES", literal).replace("PATH", path))
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                              "--timeout", "30s", "-s", str(script), base],
                             capture_output=True, text=True, check=True).stdout
    return _parse_wrk(name, out)


def run(owner_url: str, app_url: str, *, rounds: int = 3, seconds: int = 5,
        connections: int = 8, points: int = 500, compared: int = 20) -> dict:
    """Both sides in one server, alternating: {'ours': [LoadResult | str], 'peer': ...}."""
    positions = ensure_positions(owner_url)
    bodies = sample_bodies(owner_url, points)
    runs: dict[str, list] = {"ours": [], "peer": []}
    env = {**SERVER_ENV, "DATABASE_URL": owner_url, "ONEGRID_DATABASE__APP_URL": app_url}
    with serve("bench.dispatch_intake:app_with_naive_intake", env=env) as base:
        checked, differences = compare(base, owner_url, bodies[:compared])
        for side, path in PATHS.items():  # warm both: connections, plans
            wrk_post(side, base, path, bodies, connections=connections, seconds=1)
        for number in range(rounds):
            order = ("ours", "peer") if number % 2 == 0 else ("peer", "ours")
            for side in order:
                try:
                    result = wrk_post(side, base, PATHS[side], bodies,
                                      connections=connections, seconds=seconds)
                    runs[side].append(result if result.requests and not result.errors else
                                      f"{result.errors} errors in {result.requests} requests")
                except Exception as error:  # a failing side is a result, not a crash
                    runs[side].append(f"failed: {error}"[:80])
                print(f"  intake {side}: {runs[side][-1]}", flush=True)
    return {"runs": runs, "compared": checked, "differences": differences,
            "positions": positions, "connections": connections, "seconds": seconds,
            "rounds": rounds, "load": " ".join(f"{v:.2f}" for v in os.getloadavg())}


def summary(results: list) -> tuple[str, float | None, float | None]:
    """'req/s (min-max), p50, p99' over rounds, the median req/s and p99; or a failure."""
    failures = [r for r in results if isinstance(r, str)]
    if failures or not results:
        return (failures[0] if failures else "no rounds"), None, None
    rps = [r.rps for r in results]
    p50, p99 = (statistics.median(r.p50_ms for r in results),
                statistics.median(r.p99_ms for r in results))
    p99s = [r.p99_ms for r in results]
    return (f"{statistics.median(rps):.0f} req/s ({min(rps):.0f}-{max(rps):.0f}), p50 "
            f"{p50:.1f} ms, p99 {p99:.1f} ms ({min(p99s):.1f}-{max(p99s):.1f})",
            statistics.median(rps), p99)


def report_rows(result: dict) -> list[list[str]]:
    ours, ours_rps, ours_p99 = summary(result["runs"]["ours"])
    peer, peer_rps, peer_p99 = summary(result["runs"]["peer"])
    ratio = (f"{ours_rps / peer_rps:.2f}x req/s, {ours_p99 / peer_p99:.2f}x p99"
             if ours_rps and peer_rps else "n/a")
    same = ("same rows and answers" if not result["differences"] else
            f"{len(result['differences'])} DIFFER")
    return [[f"POST, {result['connections']} connections, {result['seconds']} s a round",
             ours, peer, ratio, f"{same} ({result['compared']} compared)",
             str(result["rounds"])]]


HEADER = ["intake", "ours (POST /incidents)", "peer (naive queries)", "ours / peer",
          "output", "rounds"]


def main() -> None:
    from bench.common import app_database_url, database_url, print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="the owner's URL")
    parser.add_argument("--app-url", default=None, help="the service's login")
    args = parser.parse_args()
    result = run(args.database_url or database_url(), args.app_url or app_database_url(),
                 rounds=args.rounds, seconds=args.seconds, connections=args.connections)
    for line in result["differences"][:5]:
        print("DIFFERENCE:", line)
    print_table("intake, 1 worker, app role; median (min-max) over rounds", HEADER,
                report_rows(result))


if __name__ == "__main__":
    main()
