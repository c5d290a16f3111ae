"""Validation of the demo generation and of a ~5,000-cell one, and the proposal that makes it.

Both run as the service's login with row-level security on (the development
administrator's unrestricted scope), as a planner's validation is served.
Peer (same run, same role, same rounds): the overlap check written plainly — a self-join
of grid_cells on ST_Intersects (which uses the GiST index of grid_cells), every
intersecting pair intersected and measured — against ours (&& self-join on the index,
ST_Relate before ST_Intersection). Both are timed as the median of the same number of
rounds; the ratio is the peer's median over ours. The proposal runs on the whole demo district
(band 200..400), then again with a band that yields ~5,000 cells, which is validated.
Everything happens in one transaction that is rolled back: the database is left as it was.

    .venv/bin/python -m bench.validate
"""
from __future__ import annotations

import argparse

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bench.common import app_engine, print_table, ratio, timed
from gis.grid.coverage import METRES_PER_DEGREE, PRECISION_DEG
from gis.grid.generations import resolve_generation
from gis.grid.propose_service import propose_for_region
from gis.grid.validation import CHECKS, validate_generation
from gis.settings import GridSettings
from gis.sql import query

NAIVE_OVERLAPS = text("""
SELECT a.code, b.code, ST_Area(ST_Intersection(a.geom, b.geom)::geography) AS area_m2
FROM grid_cells AS a
JOIN grid_cells AS b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
WHERE a.generation_low <= :generation_id
  AND (a.generation_high IS NULL OR a.generation_high >= :generation_id)
  AND b.generation_low <= :generation_id
  AND (b.generation_high IS NULL OR b.generation_high >= :generation_id)
  AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > :tolerance_m2""")
ROUNDS = 3


def cell_count(session: Session, generation_id: int) -> int:
    return session.execute(text(
        "SELECT count(*) FROM grid_cells WHERE generation_low <= :g "
        "AND (generation_high IS NULL OR generation_high >= :g)"), {"g": generation_id}).scalar()


def measure_generation(session: Session, label: str, generation_id: int,
                       grid: GridSettings) -> list[list]:
    params = {"generation_id": generation_id, "tolerance_m2": grid.area_tolerance_m2,
              "grid_deg": PRECISION_DEG, "grid_m": PRECISION_DEG * METRES_PER_DEGREE,
              "sliver_min_area_m2": grid.sliver_min_area_m2,
              "sliver_max_thinness": grid.sliver_max_thinness,
              "households_min": grid.households_min, "households_max": grid.households_max}
    cells = cell_count(session, generation_id)
    total, report = timed(lambda: validate_generation(session, generation_id=generation_id,
                                                      grid=grid), repeat=ROUNDS)
    rows = [[label, cells, "whole report", f"{total * 1000:.0f}", len(report.findings), ""]]
    for check in CHECKS:
        seconds, found = timed(lambda c=check: session.execute(query(c.sql), params).all(),
                               repeat=ROUNDS)
        rows.append([label, cells, check.kind, f"{seconds * 1000:.0f}", len(found), ""])
    ours = next(r for r in rows if r[2] == "overlap")
    naive, found = timed(lambda: session.execute(NAIVE_OVERLAPS, params).all(),
                         repeat=ROUNDS)
    rows.append([label, cells, "overlap (plain self-join peer)", f"{naive * 1000:.0f}",
                 len(found), ratio(naive, float(ours[3]) / 1000) + " (peer / ours)"])
    return rows


def measured_or_failed(session: Session, label: str, generation_id: int,
                       grid: GridSettings) -> list[list]:
    """measure_generation, or one row saying why it failed (the bench goes on)."""
    savepoint = session.begin_nested()
    try:
        rows = measure_generation(session, label, generation_id, grid)
    except DBAPIError as exc:
        savepoint.rollback()
        reason = str(exc.orig).splitlines()[0][:120]
        return [[label, cell_count(session, generation_id), "failed", "", "", reason]]
    savepoint.commit()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--band", default="200..400", help="household band for the proposal")
    args = parser.parse_args()
    low, high = (int(v) for v in args.band.split(".."))
    rows, proposal, big, households = run(band=(low, high))
    print_table(f"validation (ms, median of {ROUNDS})",
                ["generation", "cells", "check", "ms", "findings", "vs ours"], rows)
    print_table("proposal on the district", ["band", "households", "villages", "cells",
                                             "in band", "villages < min",
                                             "in band where possible", "mean Polsby-Popper",
                                             "seconds"],
                [[f"{p['band'][0]}..{p['band'][1]}", households, len(p["villages"]),
                  p["cells"], f"{p['share_in_band']:.1%}", p["villages_below_band"],
                  f"{(p['share_in_band_where_possible'] or 0):.1%}", p["mean_polsby_popper"],
                  p["seconds"]] for p in (proposal, big)])


def run(*, band: tuple[int, int] = (200, 400)):
    """Validation rows of the active generation and of a ~5,000-cell proposal, and the two
    proposals; everything rolled back."""
    low, high = band
    grid = GridSettings()
    db = app_engine()
    with db.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            active = resolve_generation(session)
            rows = measure_generation(session, f"active ({active.id})", active.id, grid)
            district = session.execute(text(
                "SELECT code FROM regions WHERE level = 'district' ORDER BY code LIMIT 1")).scalar()
            proposal = propose_for_region(session, region_code=district, band=(low, high))
            households = sum(v["households"] for v in proposal["villages"])
            target = max(1, round(households / 5000))
            big = propose_for_region(session, region_code=district, band=(
                max(1, round(target * 0.75)), round(target * 1.25) + 1),
                generation_id=proposal["generation"])
            rows += measured_or_failed(session, f"proposed ({big['generation']})",
                                       big["generation"], grid)
        finally:
            session.close()
            transaction.rollback()
    db.dispose()
    return rows, proposal, big, households


if __name__ == "__main__":
    main()
