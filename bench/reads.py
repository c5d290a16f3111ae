"""Reads as users are served (the app role, row-level security on) against the owner's plan.

Each row runs one service call (the code behind /tiles, /cells, /households) in a
transaction scoped as a caller: `admin` (unrestricted), `town` (a town manager: a
region), `worker` (three cells). Its peer is the SAME call with the SAME SQL and output
rows, run by the database owner, whom PostgreSQL exempts from row-level security: the
ratio is the whole cost of the policies. (For admin the two return the same rows; for the
others the owner sees more rows, so its peer does at least as much work.)
"/cells, every cell of the generation" is what a client does to get them all: follow
`next` at the largest page /cells serves (limit=10000: one request up to 10,000 cells, so
the cap is not what a 5,000-cell generation waits on); its figures say how many cells came
back and the time per 1,000, and read a 5,000-cell time off that (an extrapolation from
the loaded demo's count, not a measurement). Service code only: the HTTP response's
encoding (pydantic, ~100 ms for the city's 3,067 cells, 1.5 MB) is not in it.
A sample is the mean of as many calls as fill 50 ms (a single call if it takes longer),
for both sides alike: a 2 ms read timed once is mostly the machine's noise; and the
garbage collector runs before each sample, untimed (a full collection in the middle of
a call, owed by the previous sample of either side, cost 100+ ms on the city's cells).
Nothing is written: every round is rolled back. A statement over --timeout seconds is
recorded as a time-out, not a crash.

    .venv/bin/python -m bench.reads [--rounds 5] [--timeout 60]
"""
from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bench.common import app_database_url, engine, print_table

ZOOMS = (10, 12, 14)
ALL_CELLS = "/cells, every cell of the generation (next links, limit=10000)"
MAX_LIMIT = 10000  # api/params.py page_param: the largest page /cells serves


@dataclass(frozen=True)
class Figure:
    """One measured row: a median and its spread over rounds, or a time-out."""
    name: str
    caller: str
    median_s: float | None
    low_s: float | None
    high_s: float | None
    rounds: int
    cells: int | None = None  # features returned, for a row that lists every cell

    def shown(self) -> str:
        if self.median_s is None:
            return "time-out"
        out = f"{self.median_s * 1000:.1f} ms ({self.low_s * 1000:.1f}-{self.high_s * 1000:.1f})"
        if self.cells:
            # per 1,000 cells, and 5,000 cells read off it: an extrapolation, not measured
            per_1000 = self.median_s / self.cells * 1000
            out += (f"; {self.cells:,} cells, {per_1000 * 1000:.1f} ms per 1,000"
                    f" (5,000 ~ {per_1000 * 5000:.0f} ms, extrapolated)")
        return out


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return (int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


def principals(session) -> dict:
    from gis.auth.principal import Principal, development_principal

    town = session.execute(text(
        "SELECT code FROM regions WHERE level = 'town' ORDER BY code LIMIT 1")).scalar_one()
    cells = tuple(session.execute(text(
        "SELECT code FROM grid_cells ORDER BY code LIMIT 3")).scalars())
    return {"admin": development_principal("admin"),
            "town": Principal(username="town", roles=frozenset({"grid_worker"}),
                              everywhere=False, region_codes=(town,)),
            "worker": Principal(username="worker", roles=frozenset({"grid_worker"}),
                                everywhere=False, cell_codes=cells)}


def cases(session, generation_id: int, principal) -> dict:
    """name -> a call of the service code behind one request."""
    from gis.grid.service import Page, cells_feature_collection
    from gis.grid.tiles import vector_tile
    from gis.people.households import list_households

    west, south, east, north = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(geom) AS e FROM grid_cells) AS x")).one()
    lon, lat = (west + east) / 2, (south + north) / 2
    middle_id = session.execute(text(
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM households")).scalar()
    out = {}
    for z in ZOOMS:
        x, y = tile_at(lon, lat, z)
        out[f"tile z{z} (centre)"] = lambda z=z, x=x, y=y: vector_tile(
            session, layer="cells", z=z, x=x, y=y, generation_id=generation_id)
    out["/cells limit=1000"] = lambda: cells_feature_collection(
        session, generation_id=generation_id, page=Page(limit=1000))
    out[ALL_CELLS] = lambda: every_cell(session, generation_id)
    out["/households limit=100"] = lambda: list_households(
        session, principal=principal, page=Page(limit=100))
    out["/households limit=100 after=middle"] = lambda: list_households(
        session, principal=principal, page=Page(limit=100, after=str(middle_id)))
    out["/households limit=100 count=true"] = lambda: list_households(
        session, principal=principal, page=Page(limit=100, count=True))
    return out


def every_cell(session, generation_id: int) -> int:
    """What a client does to get every cell: follow `next` (the cursor next_after) page
    after page at the largest page size; the number of cells it got."""
    from gis.grid.service import Page, cells_feature_collection

    got, after = 0, None
    while True:
        result = cells_feature_collection(session, generation_id=generation_id,
                                          page=Page(limit=MAX_LIMIT, after=after))
        got += result["numberReturned"]
        after = result["next_after"]
        if after is None:
            return got


# A sample is the mean of as many calls as fill MIN_SAMPLE_S (at most MAX_CALLS): a
# 2 ms read timed once is mostly the machine's noise; the peer's sample is built alike.
MIN_SAMPLE_S = 0.05
MAX_CALLS = 50


def one_call(call, session) -> tuple[float | None, object]:
    """Seconds per call (None on a time-out) and what the last call returned; each call
    rolled back. Calls repeat until MIN_SAMPLE_S of calls (the mean is the sample)."""
    spent, calls, returned = 0.0, 0, None
    gc.collect()  # the collector's debt from the last sample (either side) is paid untimed
    while calls < MAX_CALLS and (calls == 0 or spent < MIN_SAMPLE_S):
        session.execute(text("SAVEPOINT bench_round"))
        started = time.perf_counter()
        try:
            returned = call()
        except OperationalError:  # statement_timeout
            session.execute(text("ROLLBACK TO SAVEPOINT bench_round"))
            return None, None
        spent += time.perf_counter() - started
        calls += 1
        session.execute(text("ROLLBACK TO SAVEPOINT bench_round"))
    return spent / calls, returned


def figure(name: str, caller: str, times: list[float | None],
           cells: int | None = None) -> Figure:
    done = [t for t in times if t is not None]
    if len(done) < len(times):
        return Figure(name, caller, None, None, None, len(times))
    return Figure(name, caller, statistics.median(done), min(done), max(done), len(done),
                  cells)


def run(*, rounds: int = 5, timeout_s: int = 60) -> list[tuple[Figure, Figure]]:
    """(as the app role, the owner's peer) for every case and caller.

    The two run in turn within each round (app, owner, app, owner...), so that a change of
    load on the machine falls on both; a peer that timed out is not asked again."""
    from sqlalchemy.orm import Session

    from gis.auth import rls
    from gis.db import make_engine
    from gis.grid.generations import resolve_generation

    db = engine()  # the owner: bypasses row-level security
    app_db = make_engine(app_database_url(), pool_size=2)  # the service's own login
    pairs = []
    try:
        with Session(app_db) as app, Session(db) as owner:
            for session in (app, owner):
                session.execute(text(f"SET statement_timeout = '{int(timeout_s)}s'"))
            generation_id = resolve_generation(owner).id
            for caller, principal in principals(owner).items():
                rls.scope_session(app, principal)
                app_cases = cases(app, generation_id, principal)
                owner_cases = cases(owner, generation_id, principal)
                for name in app_cases:
                    times: dict[str, list[float | None]] = {"app": [], "owner": []}
                    counted: dict[str, int | None] = {"app": None, "owner": None}
                    for _ in range(rounds):
                        for side, session, call in (("app", app, app_cases[name]),
                                                    ("owner", owner, owner_cases[name])):
                            if None not in times[side]:
                                seconds, returned = one_call(call, session)
                                times[side].append(seconds)
                                if name == ALL_CELLS and returned is not None:
                                    counted[side] = returned
                    pair = (figure(name, caller, times["app"], counted["app"]),
                            figure(name, caller, times["owner"], counted["owner"]))
                    pairs.append(pair)
                    print(f"  {caller} {name}: app {pair[0].shown()}, owner {pair[1].shown()}",
                          flush=True)
            app.rollback()
            owner.rollback()
    finally:
        db.dispose()
        app_db.dispose()
    return pairs


def ratio_of(app: Figure, owner: Figure) -> str:
    if app.median_s is None or owner.median_s is None or not owner.median_s:
        return "n/a"
    return f"{app.median_s / owner.median_s:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=60, help="seconds per statement")
    args = parser.parse_args()
    pairs = run(rounds=args.rounds, timeout_s=args.timeout)
    print_table("reads: app role (RLS) vs the owner's plan, median (min-max)",
                ["read", "caller", "app role", "owner", "ratio"],
                [[a.name, a.caller, a.shown(), o.shown(), ratio_of(a, o)] for a, o in pairs])


if __name__ == "__main__":
    main()
