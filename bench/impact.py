"""The editor's impact preview of an edit touching two cells, against a naive peer.

The edit: the boundary between two neighbouring cells of the draft (a cell with the
median number of households and the neighbour it shares the longest edge with) moved
into the neighbour by a third of its width, as a follow redraw (the neighbour follows).
  - ours: the service call behind POST /generations/{id}/preview (gis.grid.impact):
    the edit written in a savepoint (clip, noding, history), its impact read in one
    statement (gis/sql/edit_impact.sql: households, persons, special populations, open
    cases, staff assignments that change cell; both cells' balances), the savepoint
    rolled back;
  - peer: the same households impact computed naively: every household's point (its
    building's spot, else its own) with its persons read into a GeoDataFrame, then
    geopandas.sjoin against the two cells before and against them after (the after shapes
    computed in memory by the same gis.grid.follow), each household's cell compared, moves
    and balances summed. The peer writes nothing and counts neither open cases nor staff;
    ours does both and writes (and rolls back) the edit itself: the comparison favours
    the peer.
Both run as the app role scoped as an administrator (row-level security on), in turns
within each round; both outputs (households moved, each cell's households after) are
checked equal first. Nothing is written: the draft the run makes is rolled back.

    .venv/bin/python -m bench.impact [--rounds 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

import shapely
from sqlalchemy import text

from bench.common import app_database_url, print_table

PICK_CELLS = text("""
-- the cell with the median household count, and its neighbour in the same village along
-- the longest edge (a cell never takes area from another village's)
WITH counted AS (
    SELECT c.id, btrim(c.code) AS code, c.geom, coalesce(r.households, 0) AS households
    FROM grid_cells AS c LEFT JOIN cell_rollups AS r ON r.cell_id = c.id
    WHERE c.generation_low <= :g AND (c.generation_high IS NULL OR c.generation_high >= :g)
),
middle AS (
    SELECT * FROM counted AS c WHERE households > 0
      AND EXISTS (SELECT 1 FROM counted AS o WHERE o.code <> c.code
                  AND left(o.code, 12) = left(c.code, 12))
    ORDER BY households, code
    OFFSET (SELECT count(*) / 2 FROM counted WHERE households > 0) LIMIT 1
)
SELECT m.code AS a, n.code AS b
FROM middle AS m
JOIN counted AS n ON n.geom && m.geom AND n.code <> m.code
                 AND left(n.code, 12) = left(m.code, 12)
ORDER BY ST_Length(ST_Intersection(ST_Boundary(m.geom), ST_Boundary(n.geom))) DESC, n.code
LIMIT 1
""")

HOUSEHOLD_POINTS = """
SELECT h.id, coalesce(CASE WHEN h.located_by = 'building' THEN b.spot END, h.geom) AS geom,
       coalesce(p.persons, 0) AS persons
FROM households AS h
LEFT JOIN buildings AS b ON b.id = h.building_id
LEFT JOIN (SELECT household_id, count(*) AS persons FROM persons GROUP BY household_id) AS p
       ON p.household_id = h.id
"""


def setup(session):
    """(draft id, code a, code b, the redrawn shape of a, a's and b's shapes before)."""
    from gis.grid import edits, lifecycle

    draft = session.execute(text(
        "SELECT id FROM grid_generations WHERE status = 'draft'")).scalar()
    if draft is None:
        draft = lifecycle.create_draft(session, name="bench impact").id
    a, b = session.execute(PICK_CELLS, {"g": draft}).one()
    shape_a = edits.cell_shape(edits.current_cell(session, generation_id=draft, code=a))
    shape_b = edits.cell_shape(edits.current_cell(session, generation_id=draft, code=b))
    depth = shapely.minimum_bounding_radius(shape_b) * 2 / 3
    drawn = shapely.union(shape_a, shapely.intersection(shape_b, shape_a.buffer(depth)))
    return draft, a, b, drawn, {a: shape_a, b: shape_b}


def ours(session, principal, draft, a, drawn) -> dict:
    from gis.grid import editor_service, impact

    result = impact.preview(session, generation_id=draft, band=(150, 500), run=lambda: (
        editor_service.redraw_follow(session, principal=principal, generation_id=draft,
                                     code=a, geom=drawn, attrs={})))
    return {"moved": result["moves"]["households"],
            "after": {c["code"]: c["after"]["households"] for c in result["cells"]}}


def peer(session, before: dict, after: dict) -> dict:
    import geopandas as gpd

    households = gpd.read_postgis(HOUSEHOLD_POINTS, session.connection(), geom_col="geom")

    def cell_of(shapes: dict):
        cells = gpd.GeoDataFrame({"code": list(shapes)}, geometry=list(shapes.values()),
                                 crs=households.crs)
        joined = gpd.sjoin(households, cells, predicate="intersects")
        return joined.sort_values("code").groupby("id")["code"].first()

    was, now = cell_of(before), cell_of(after)
    both = was.to_frame("was").join(now.to_frame("now"), how="outer")
    moved = int((both["was"].fillna("") != both["now"].fillna("")).sum())
    return {"moved": moved, "after": {code: int((both["now"] == code).sum()) for code in after}}


def run(*, rounds: int = 5) -> dict:
    from sqlalchemy.orm import Session

    from gis.auth import rls
    from gis.auth.principal import development_principal
    from gis.db import make_engine
    from gis.grid import follow

    app_db = make_engine(app_database_url(), pool_size=2)
    times: dict[str, list[float]] = {"ours": [], "peer": []}
    try:
        with Session(app_db) as session:
            principal = development_principal("admin")
            rls.scope_session(session, principal)
            draft, a, b, drawn, before = setup(session)
            after = follow.follow_redraw(code=a, old=before[a], drawn=drawn,
                                         neighbours={b: before[b]})
            mine, theirs = ours(session, principal, draft, a, drawn), peer(session, before, after)
            same = mine == theirs
            print(f"  cells {a} / {b}: ours {mine}, peer {theirs}, same: {same}", flush=True)
            for _ in range(rounds):
                for side, call in (("ours", lambda: ours(session, principal, draft, a, drawn)),
                                   ("peer", lambda: peer(session, before, after))):
                    started = time.perf_counter()
                    call()
                    times[side].append(time.perf_counter() - started)
                    print(f"  {side}: {times[side][-1] * 1000:.0f} ms", flush=True)
            session.rollback()
    finally:
        app_db.dispose()
    return {"times": times, "cells": (a, b), "moved": mine["moved"], "same": same}


def rows(result: dict) -> list[list[str]]:
    times = result["times"]
    ours_s, peer_s = statistics.median(times["ours"]), statistics.median(times["peer"])

    def shown(t: list[float]) -> str:
        return f"{statistics.median(t) * 1000:.0f} ms ({min(t) * 1000:.0f}-{max(t) * 1000:.0f})"

    a, b = result["cells"]
    return [[f"follow redraw of {a} into {b} ({result['moved']} households move; outputs "
             f"{'equal' if result['same'] else 'DIFFER'})", shown(times["ours"]),
             shown(times["peer"]), f"{ours_s / peer_s:.2f}x", str(len(times["ours"]))]]


HEADER = ["edit", "ours (preview)", "peer (sjoin of all households)", "ours / peer", "rounds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print_table("impact preview, median (min-max)", HEADER, rows(run(rounds=args.rounds)))


if __name__ == "__main__":
    main()
