"""Load the demo district into the database: real boundary, generated contents, fixed seed.

Everything is written with COPY in one transaction (the caller's session), so a failed
load leaves nothing behind. Geometries travel as EWKT text in EPSG:4326.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.demo import contents
from gis.demo.buildings import place_buildings
from gis.demo.copy import copy_rows
from gis.demo.geometry import (
    DEFAULT_BAND,
    SIZES,
    build_cells,
    build_regions,
    load_district,
)
from gis.errors import Conflict, InvalidInput
from gis.people.assignment import assign_buildings
from gis.people.rollups import refresh_generation

log = logging.getLogger("onegrid.demo")
DEFAULT_SEED = 20261123
DEFAULT_ADCODE = "500151"  # 铜梁区, Chongqing

Progress = Callable[[str, int], None]
ANALYZED = ("regions", "grid_cells", "grid_cell_pieces", "buildings", "building_cells",
            "households", "household_own_cells", "persons", "special_population_records",
            "staff", "staff_assignments", "incidents")


def _quiet(step: str, done: int) -> None:
    log.info("demo load", extra={"step": step, "rows": done})


def is_empty(session: Session) -> bool:
    return not session.execute(text("SELECT EXISTS (SELECT 1 FROM regions)")).scalar()


def load_demo(session: Session, *, secret_key: str, size: str = "district",
              seed: int = DEFAULT_SEED, adcode: str = DEFAULT_ADCODE,
              progress: Progress = _quiet, today: dt.date | None = None,
              band: tuple[int, int] | None = None) -> dict:
    """Generate and store the demo; refuses a database that already has regions. Cells
    are sized to the household band (settings.grid; its default when not given)."""
    if size not in SIZES:
        raise InvalidInput(f"size must be one of {', '.join(SIZES)}; got {size!r}", where="size")
    if not is_empty(session):
        raise Conflict("the database already holds regions: the demo loads only into an "
                       "empty database", where="regions")
    today = today or dt.date.today()
    demo_size = SIZES[size]
    name, boundary = load_district(adcode)
    regions = build_regions(boundary=boundary, size=demo_size, seed=seed, adcode=adcode,
                            district_name=name)
    # Cells first: building them fits the villages and towns to the noded cells.
    cells = build_cells(regions=regions, size=demo_size, seed=seed + 1,
                        band=band or DEFAULT_BAND)
    _store_regions(session, regions)
    progress("regions", 1 + len(regions.towns) + len(regions.villages))
    generation_id = _store_generation(session, today)
    _store_cells(session, cells, generation_id)
    progress("cells", len(cells))
    buildings = place_buildings(cells=cells, regions=regions, size=demo_size, seed=seed + 2)
    _store_buildings(session, buildings)
    progress("buildings", len(buildings))
    rng = np.random.default_rng(seed + 3)
    counts = contents.store_households_and_people(session, buildings=buildings, rng=rng,
                                                  adcode=adcode, secret_key=secret_key,
                                                  progress=progress)
    counts.update(contents.store_staff(session, cells=cells, rng=rng))
    counts.update(contents.store_incidents(session, buildings=buildings, rng=rng,
                                           today=today, scale=demo_size.households))
    counts.update(contents.store_places(session, cells=cells, buildings=buildings, rng=rng))
    # Statistics now, in this transaction (ANALYZE counts its own inserts): tables the
    # planner last saw empty get nested loops over 100,000s of rows until autovacuum comes
    # by (the rollup refresh below and the first users' queries would meet them).
    for table in ANALYZED:
        session.execute(text(f"ANALYZE {table}"))  # constant names
    refresh_generation(session, generation_id=generation_id)  # per-cell counts for the map
    progress("done", 0)
    return {"size": size, "seed": seed, "district": name, "generation": generation_id,
            "towns": len(regions.towns), "villages": len(regions.villages),
            "cells": len(cells), "buildings": len(buildings), **counts}


def load_if_empty(url: str, *, size: str, secret_key: str,
                  band: tuple[int, int] | None = None) -> dict | None:
    """For `onegrid serve`: load the demo into an empty database, in one transaction."""
    from gis.db import make_engine, make_session_factory, unit_of_work

    engine = make_engine(url, pool_size=1)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            if not is_empty(session):
                return None
            log.info("empty database: loading the demo district", extra={"size": size})
            return load_demo(session, size=size, secret_key=secret_key, band=band)
    finally:
        engine.dispose()


def _multi(geom) -> MultiPolygon:
    return geom if geom.geom_type == "MultiPolygon" else MultiPolygon([geom])


def _store_regions(session: Session, regions) -> None:
    rows = [(r["code"], r["level"], r["name"], r["parent_code"], r.get("urban"),
             "SRID=4326;" + shapely.to_wkt(_multi(r["geometry"]), rounding_precision=-1))
            for r in [regions.district, *regions.towns, *regions.villages]]
    copy_rows(session, "regions", ("code", "level", "name", "parent_code", "urban", "geom"),
              rows)


def _store_generation(session: Session, today: dt.date) -> int:
    # The demo grid has been in force for half a year: `?at=` reads before that find nothing.
    return session.execute(text(
        "INSERT INTO grid_generations (name, status, created_by, activated_at, effective_from,"
        " note) VALUES ('统一网格 (demo)', 'active', 'demo', now(), :since,"
        " 'generated demo grid') RETURNING id"),
        {"since": today - dt.timedelta(days=182)}).scalar_one()


def _store_cells(session: Session, cells: list[dict], generation_id: int) -> None:
    rows = [(c["code"], c["village_code"], c["name"], c["kind"], c["dedicated_type"],
             generation_id, "SRID=4326;" + shapely.to_wkt(c["geometry"], rounding_precision=-1))
            for c in cells]
    copy_rows(session, "grid_cells", ("code", "village_code", "name", "kind", "dedicated_type",
                                      "generation_low", "geom"), rows)


def _store_buildings(session: Session, buildings) -> None:
    rows = [(f"B{i + 1:07d}", address, int(floors), f"SRID=4326;POINT({lon:.7f} {lat:.7f})")
            for i, (address, floors, lon, lat) in enumerate(zip(
                buildings["address"], buildings["floors"], buildings["lon"], buildings["lat"],
                strict=True))]
    copy_rows(session, "buildings", ("code", "address", "floors", "geom"), rows)
    # Buildings belong to the cell that covers them: the product's own assignment rule.
    assign_buildings(session, refresh=False)  # rollups: refresh_generation, below
