"""Reads under row-level security plan well: no scan of households per cell.

A scoped caller (the app role, a worker whose area is a few cells) asks for a vector tile,
a page of /cells and a page of /households over a village of 40 cells and 4,000
households (half placed by their building), with fresh statistics. Each statement the
service runs is EXPLAINed (no timings): tiles and /cells must not read households at all
(counts come from cell_rollups), and no plan may scan households sequentially inside a
loop (a nested loop's inner side or a per-row subplan), the shape that made a z10 tile
take 24 s on the district."""
from __future__ import annotations

import json
import math

import pytest
from shapely.geometry import box
from sqlalchemy import event, text

from gis.auth import rls
from gis.auth.principal import Principal
from gis.grid.service import Page, cells_feature_collection
from gis.grid.tiles import vector_tile
from gis.people.households import list_households
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

CELLS, HOUSEHOLDS = 40, 4000
WEST, SOUTH, SIZE = 106.0, 29.8, 0.01
SCOPE = tuple(f"{VILLAGE}{i:03d}" for i in range(1, 4))  # the worker's three cells


@pytest.fixture()
def village(db):
    """40 cells in a row; 4,000 households, every other one in a building; statistics."""
    whole = box(WEST, SOUTH, WEST + CELLS * SIZE, SOUTH + SIZE)
    add_region(db, code=DISTRICT, level="district", parent=None, geom=whole)
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=whole)
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=whole)
    generation = add_generation(db)
    cells = [add_cell(db, code=f"{VILLAGE}{i + 1:03d}", generation=generation,
                      geom=box(WEST + i * SIZE, SOUTH, WEST + (i + 1) * SIZE, SOUTH + SIZE))
             for i in range(CELLS)]
    params = {"cells": cells, "n": HOUSEHOLDS, "west": WEST, "south": SOUTH, "size": SIZE}
    db.execute(text(
        "INSERT INTO buildings (code, address, geom) "
        "SELECT 'B' || i, 'building ' || i, ST_SetSRID(ST_MakePoint("
        "  :west + (i % 40) * :size + :size / 2, :south + :size / 2), 4326) "
        "FROM generate_series(0, :n / 2 - 1) AS i"), params)
    db.execute(text(
        "INSERT INTO building_cells (building_id, cell_id) "
        "SELECT b.id, (CAST(:cells AS bigint[]))[1 + (substr(b.code, 2)::int % 40)] "
        "FROM buildings AS b"), params)
    db.execute(text(
        "INSERT INTO households (external_id, address, members, geom, located_by) "
        "SELECT 'H' || i, 'address ' || i, 1 + i % 4, "
        "  ST_SetSRID(ST_MakePoint(:west + (i % 40) * :size + :size / 3, "
        "  :south + :size / 3), 4326), 'coordinates' "
        "FROM generate_series(0, :n / 2 - 1) AS i"), params)
    db.execute(text(
        "INSERT INTO household_own_cells (household_id, cell_id) "
        "SELECT h.id, (CAST(:cells AS bigint[]))[1 + substr(h.external_id, 2)::int % 40] "
        "FROM households AS h WHERE h.located_by = 'coordinates'"), params)
    db.execute(text(
        "INSERT INTO households (external_id, address, members, building_id, located_by) "
        "SELECT 'HB' || b.code, 'in ' || b.address, 2, b.id, 'building' FROM buildings AS b"))
    db.execute(text(
        "INSERT INTO persons (household_id, name, residence) "
        "SELECT h.id, 'person ' || h.id, 'registered' FROM households AS h"))
    for table in ("grid_cells", "buildings", "building_cells", "households",
                  "household_own_cells", "persons", "cell_rollups"):
        db.execute(text(f"ANALYZE {table}"))  # constant names
    db.flush()
    return {"generation": generation, "cells": cells}


def worker() -> Principal:
    return Principal(username="w", roles=frozenset({"grid_worker"}), everywhere=False,
                     cell_codes=SCOPE)


def statements_of(db, run) -> list[tuple[str, object]]:
    """Every SQL statement (with its parameters) that run() sends on db's connection."""
    seen: list[tuple[str, object]] = []
    connection = db.connection()

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    # the reads themselves, not the row-level-security settings of the transaction
    reads = [(s, p) for s, p in seen
             if not s.lstrip().upper().startswith("SET") and "set_config(" not in s
             and "onegrid_scope_resolve" not in s]
    assert reads, "the service ran no query"
    return reads


def plans_of(db, statements) -> list[dict]:
    cursor = db.connection().connection.cursor()
    plans = []
    for statement, parameters in statements:
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        plans.append(plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"])
    return plans


def nodes(plan: dict, *, looped: bool = False):
    """(node, runs once per outer row?) for every node of a plan."""
    yield plan, looped
    children = plan.get("Plans", [])
    for child in children:
        inner = (plan["Node Type"] == "Nested Loop" and child is children[-1]
                 or child.get("Parent Relationship") == "SubPlan")
        yield from nodes(child, looped=looped or inner)


def scans_of_households_in_loops(plans) -> list[str]:
    return [f"{n['Node Type']} on households" for plan in plans for n, looped in nodes(plan)
            if looped and n.get("Relation Name") == "households"
            and n["Node Type"] == "Seq Scan"]


def reads_households(plans) -> bool:
    return any(n.get("Relation Name") == "households" for plan in plans
               for n, _ in nodes(plan))


def test_the_scope_is_resolved_once_into_cell_ids(db, village, logins):
    rls.scope_session(db, worker(), as_role=logins.names.app)
    ids = db.execute(text("SELECT onegrid_scope_cell_id_array()")).scalar_one()
    assert sorted(ids) == sorted(village["cells"][:3])
    assert db.execute(text("SELECT count(*) FROM households")).scalar_one() == 300


@pytest.mark.parametrize("z", [10, 12, 14])
def test_a_tile_reads_counts_not_households(db, village, z, logins):
    x = int((WEST + 0.015 + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(SOUTH + 0.005))) / math.pi) / 2 * 2**z)
    rls.scope_session(db, worker(), as_role=logins.names.app)
    statements = statements_of(db, lambda: vector_tile(
        db, layer="cells", z=z, x=x, y=y, generation_id=village["generation"]))
    plans = plans_of(db, statements)
    assert not reads_households(plans)
    assert vector_tile(db, layer="cells", z=z, x=x, y=y,
                       generation_id=village["generation"])  # not empty


def test_a_page_of_cells_reads_counts_not_households(db, village, logins):
    rls.scope_session(db, worker(), as_role=logins.names.app)
    run = lambda: cells_feature_collection(  # noqa: E731
        db, generation_id=village["generation"], bbox=None, region_prefix=None, zoom=None,
        page=Page(limit=100))
    plans = plans_of(db, statements_of(db, run))
    assert not reads_households(plans)
    counts = {f["properties"]["code"]: f["properties"]["households"]
              for f in run()["features"]}
    # the caller's cells show their counts (100 households each); others read 0
    assert [counts[c] for c in SCOPE] == [100, 100, 100]
    assert counts[f"{VILLAGE}010"] == 0


def test_a_page_of_households_scans_no_households_per_cell(db, village, logins):
    rls.scope_session(db, worker(), as_role=logins.names.app)
    run = lambda: list_households(db, principal=worker(), page=Page(limit=100))  # noqa: E731
    plans = plans_of(db, statements_of(db, run))
    assert scans_of_households_in_loops(plans) == []
    # a page does not count every household of the area (numberMatched only on request)
    assert not any(n["Node Type"] == "Aggregate" and n.get("Strategy") == "Plain"
                   for plan in plans for n, _ in nodes(plan))
    page = run()
    assert len(page["items"]) == 100 and "numberMatched" not in page
    after = list_households(db, principal=worker(),
                            page=Page(limit=100, after=page["next_after"]))
    assert after["items"][0]["id"] > page["items"][-1]["id"]
