"""Bulk assignment, like for like: ours persisted vs geopandas.sjoin + writing the result back.

Every row runs as the service's login (the app role, row-level security on, scoped as an
unrestricted administrator: `onegrid people assign` places every household), on a
committed, vacuumed state: before each round every placement is removed, COMMITted and
VACUUM ANALYZEd (as the owner, not timed). Each timed run COMMITs what it writes, so the
time includes the commit and the rollup upkeep that `people assign --commit` does (the
statement triggers (0027_rollup_deltas: deltas per cell) keep cell_rollups current for the
writes of either side alike).

Two models, each with its peer writing the same rows to the same table:
  - households with only coordinates (every household's located_by set to 'coordinates'
    once, committed, before these rows): ours = assign_own_placements, the households'
    part of assign_households (gis/sql/assign_households_hits.sql + assign_households.sql)
    writing household_own_cells;
    peer = read the households' points and the cells out of PostGIS, geopandas.sjoin
    (covered_by, lowest code on an edge), then COPY the (household, cell) rows into
    household_own_cells. Ours also writes each unlocated household's reason on its row
    (households outside every cell); the peer writes nothing for those.
  - the building model: ours = assign_buildings (building_cells); peer = sjoin of the
    buildings' spots, then COPY into building_cells.
"sjoin in memory" is the spatial join alone (no read-out, nothing written): a floor, not
a peer. Median over the rounds (min-max); a run over the time-out is recorded as such.
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

HOUSEHOLD_POINTS = text(
    "SELECT id, ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL "
    "AND (located_by IS DISTINCT FROM 'building' OR building_id IS NULL) "
    "AND located_by IS DISTINCT FROM 'manual'")
BUILDING_SPOTS = text("SELECT id, ST_X(spot), ST_Y(spot) FROM buildings")
CELLS = text("SELECT id, code, ST_AsBinary(geom) FROM grid_cells WHERE generation_low <= :g "
             "AND (generation_high IS NULL OR generation_high >= :g)")
UNPLACE = {"households": [text("DELETE FROM household_own_cells"),
                          text("UPDATE households SET unlocated_reason = NULL "
                               "WHERE unlocated_reason IS NOT NULL")],
           "buildings": [text("DELETE FROM building_cells")]}
VACUUM = {"households": ("household_own_cells", "households", "cell_rollups"),
          "buildings": ("building_cells", "cell_rollups")}
BY_COORDINATES = text("UPDATE households SET located_by = 'coordinates' "
                      "WHERE located_by = 'building'")


@dataclass
class Row:
    label: str
    writes: str
    times: list[float] = field(default_factory=list)
    rows: int = 0
    timed_out: bool = False

    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.timed_out else None

    def shown(self) -> str:
        if self.timed_out:
            return "time-out"
        t = self.times
        return f"{statistics.median(t):.2f} s ({min(t):.2f}-{max(t):.2f})"


def _admin_session(app_engine, timeout_s: int) -> Session:
    from gis.auth import rls
    from gis.auth.principal import Principal

    session = Session(app_engine)
    rls.scope_session(session, Principal(username="bench", roles=frozenset({"admin"}),
                                         everywhere=True))
    session.execute(text("SELECT set_config('statement_timeout', :t, true)"),
                    {"t": f"{timeout_s}s"})
    return session


def unplace(owner_engine, model: str) -> None:
    """Every placement of the model removed, committed, vacuumed (not timed)."""
    with Session(owner_engine) as session:
        session.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
        for statement in UNPLACE[model]:
            session.execute(statement)
        session.commit()
    with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in VACUUM[model]:
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")  # constant names


def by_coordinates(owner_engine) -> None:
    """Every household placed by its own point: the district whose households have only
    coordinates (committed once, before the household rows)."""
    with Session(owner_engine) as session:
        session.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
        session.execute(text("DELETE FROM household_own_cells"))
        session.execute(BY_COORDINATES)
        session.commit()
    with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE households")


def ours(session: Session, model: str, generation: int) -> int:
    """The part of `people assign --commit` that places this model's rows."""
    from gis.people.assignment import assign_buildings, assign_own_placements

    if model == "households":
        return assign_own_placements(session, generation_id=generation,
                                     reason="bench").changed
    return assign_buildings(session, generation_id=generation, reason="bench",
                            refresh=False).buildings_changed


def _frames(session: Session, points_sql, generation: int):
    import geopandas as gpd
    import shapely

    homes = session.execute(points_sql).all()
    cells = session.execute(CELLS, {"g": generation}).all()
    ids, xs, ys = zip(*homes, strict=True)
    points = gpd.GeoDataFrame({"id": ids}, geometry=shapely.points(xs, ys), crs=4326)
    polygons = gpd.GeoDataFrame({"cell_id": [c[0] for c in cells],
                                 "code": [c[1] for c in cells]},
                                geometry=shapely.from_wkb([bytes(c[2]) for c in cells]),
                                crs=4326)
    return points, polygons


def _sjoin(points, polygons):
    import geopandas as gpd

    joined = gpd.sjoin(points, polygons, predicate="covered_by", how="inner")
    return joined.sort_values(["id", "code"]).drop_duplicates("id")  # the edge rule


def peer(session: Session, model: str, generation: int) -> int:
    """Read out, sjoin, COPY the result into the model's placement table."""
    points_sql = HOUSEHOLD_POINTS if model == "households" else BUILDING_SPOTS
    table, key = (("household_own_cells", "household_id") if model == "households"
                  else ("building_cells", "building_id"))
    joined = _sjoin(*_frames(session, points_sql, generation))
    # COPY cannot write a table under row-level security (household_own_cells is): the
    # rows go into a temporary table, then in with one INSERT, as the service's imports do.
    session.execute(text("CREATE TEMPORARY TABLE sjoined (id bigint, cell_id bigint) "
                         "ON COMMIT DROP"))
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy("COPY sjoined (id, cell_id) FROM STDIN") as copy:
        for row in zip(joined["id"].tolist(), joined["cell_id"].tolist(), strict=True):
            copy.write_row(row)
    session.execute(text(f"INSERT INTO {table} ({key}, cell_id) "  # constant names
                         "SELECT id, cell_id FROM sjoined ORDER BY id"))
    return len(joined)


def in_memory(session: Session, model: str, generation: int) -> tuple[float, int]:
    points_sql = HOUSEHOLD_POINTS if model == "households" else BUILDING_SPOTS
    frames = _frames(session, points_sql, generation)
    started = time.perf_counter()
    joined = _sjoin(*frames)
    return time.perf_counter() - started, len(joined)


def one_round(owner_engine, app_engine, row: Row, work, model: str, generation: int,
              timeout_s: int) -> None:
    unplace(owner_engine, model)
    session = _admin_session(app_engine, timeout_s)
    try:
        started = time.perf_counter()
        row.rows = work(session, model, generation)
        session.commit()
        row.times.append(time.perf_counter() - started)
    except OperationalError as exc:  # statement_timeout: recorded, not a crash
        if "statement timeout" not in str(exc):
            raise
        row.timed_out = True
        session.rollback()
    finally:
        session.close()


def run(owner_url: str, app_url: str, *, rounds: int = 3, timeout_s: int = 600
        ) -> dict[str, list[Row]]:
    """Both models, ours and the peer alternating within each round."""
    from gis.db import make_engine

    owner_engine = make_engine(owner_url, pool_size=1)
    app_engine = make_engine(app_url, pool_size=1)
    with Session(owner_engine) as session:
        generation = session.execute(text(
            "SELECT id FROM grid_generations WHERE status = 'active'")).scalar_one()
    out: dict[str, list[Row]] = {}
    for model in ("buildings", "households"):
        if model == "households":
            by_coordinates(owner_engine)
        mine = Row("ours: assign_own_placements, persisted" if model == "households"
                   else "ours: assign_buildings, persisted",
                   "building_cells" if model == "buildings" else "household_own_cells "
                   "(+ reasons of unlocated households)")
        theirs = Row("geopandas.sjoin + COPY back, persisted",
                     "building_cells" if model == "buildings" else "household_own_cells")
        memory = Row("geopandas.sjoin alone, in memory", "nothing (a floor, not a peer)")
        for _ in range(rounds):
            one_round(owner_engine, app_engine, mine, ours, model, generation, timeout_s)
            one_round(owner_engine, app_engine, theirs, peer, model, generation, timeout_s)
            with _admin_session(app_engine, timeout_s) as session:
                seconds, memory.rows = in_memory(session, model, generation)
                memory.times.append(seconds)
            print(f"  {model}: ours {mine.times[-1:]}, peer {theirs.times[-1:]}", flush=True)
        out[model] = [mine, theirs, memory]
    owner_engine.dispose()
    app_engine.dispose()
    return out


def report_rows(results: dict[str, list[Row]]) -> list[list[str]]:
    """Markdown rows: model, variant, what it writes, time, rows, ours / it."""
    rows = []
    for model, (mine, theirs, memory) in results.items():
        for r in (mine, theirs, memory):
            ratio = ("1.00x" if r is mine else
                     f"{mine.median() / r.median():.2f}x" if mine.median() and r.median()
                     else "n/a")
            name = ("coordinates only" if model == "households" else "by building")
            rows.append([name, r.label, r.writes, r.shown(), f"{r.rows:,}", ratio])
    return rows


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())
