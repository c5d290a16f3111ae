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


OTHER_TOWN, OTHER_VILLAGE = "500151002000", "500151002001"
OTHER_HOUSEHOLDS = 36_000


@pytest.fixture()
def two_towns(db, village):
    """The village's town (4,000 households), then a second town east of it holding 36,000
    more, placed by their buildings, then 200 new households of the first town: a town
    manager's area is a tenth of the households (a town of the city: a thirtieth)."""
    east = box(WEST + CELLS * SIZE, SOUTH, WEST + 2 * CELLS * SIZE, SOUTH + SIZE)
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=east)
    add_region(db, code=OTHER_VILLAGE, level="village", parent=OTHER_TOWN, geom=east)
    cells = [add_cell(db, code=f"{OTHER_VILLAGE}{i + 1:03d}", generation=village["generation"],
                      village=OTHER_VILLAGE,
                      geom=box(WEST + (CELLS + i) * SIZE, SOUTH, WEST + (CELLS + i + 1) * SIZE,
                               SOUTH + SIZE))
             for i in range(CELLS)]
    params = {"cells": cells, "n": OTHER_HOUSEHOLDS // 4, "x": WEST + CELLS * SIZE,
              "south": SOUTH, "size": SIZE}
    db.execute(text(
        "INSERT INTO buildings (code, address, geom) "
        "SELECT 'E' || i, 'east ' || i, ST_SetSRID(ST_MakePoint("
        "  :x + (i % 40) * :size + :size / 2, :south + :size / 2), 4326) "
        "FROM generate_series(0, :n - 1) AS i"), params)
    db.execute(text(
        "INSERT INTO building_cells (building_id, cell_id) "
        "SELECT b.id, (CAST(:cells AS bigint[]))[1 + (substr(b.code, 2)::int % 40)] "
        "FROM buildings AS b WHERE b.code LIKE 'E%'"), params)
    db.execute(text(
        "INSERT INTO households (external_id, address, members, building_id, located_by) "
        "SELECT 'HE' || b.code || '-' || k, 'in ' || b.address, 2, b.id, 'building' "
        "FROM buildings AS b, generate_series(1, 4) AS k WHERE b.code LIKE 'E%'"))
    # and 200 households created in the first town since, by coordinates
    db.execute(text(
        "WITH new AS (INSERT INTO households (external_id, address, members, geom, "
        "                                     located_by) "
        "  SELECT 'HN' || i, 'new ' || i, 1, ST_SetSRID(ST_MakePoint(:west, :south), 4326), "
        "         'coordinates' FROM generate_series(1, 200) AS i RETURNING id) "
        "INSERT INTO household_own_cells (household_id, cell_id) SELECT id, :cell FROM new"),
        {"west": WEST + SIZE / 2, "south": SOUTH + SIZE / 2, "cell": village["cells"][0]})
    for table in ("grid_cells", "buildings", "building_cells", "households",
                  "household_own_cells"):
        db.execute(text(f"ANALYZE {table}"))  # constant names
    db.flush()
    return village


def town_manager() -> Principal:
    return Principal(username="t", roles=frozenset({"grid_worker"}), everywhere=False,
                     region_codes=(TOWN,))


def seq_scans_of_households(plans) -> list[str]:
    return [n["Node Type"] for plan in plans for n, _ in nodes(plan)
            if n.get("Relation Name") == "households" and n["Node Type"] == "Seq Scan"]


def full_sorts(plans, *, keep: int = 1000) -> list[str]:
    """Sorts of more than `keep` rows that do not sit right under a Limit: an unbounded
    sort of the whole area for a page (a top-N sort under a Limit keeps only the page)."""
    def walk(node, parent):
        if (node["Node Type"] == "Sort" and node["Plan Rows"] > keep
                and (parent is None or parent["Node Type"] != "Limit")):
            yield f"Sort of {node['Plan Rows']} rows under {parent and parent['Node Type']}"
        for child in node.get("Plans", []):
            yield from walk(child, node)
    return [found for plan in plans for found in walk(plan, None)]


def unbounded_walks_of_households(plans) -> list[str]:
    """Scans of households in id order with no upper bound: the plan of a page that reads
    the table from the cursor on until it has found the area's 100th household (the whole
    city for the last town)."""
    return [f"{n['Node Type']} {n.get('Index Cond', '(no condition)')}"
            for plan in plans for n, _ in nodes(plan)
            if n.get("Relation Name") == "households" and n.get("Index Name") == "households_pkey"
            and "=" not in n.get("Index Cond", "")]


def town_ids(db, *, after: int = 0, limit: int = 100) -> list[int]:
    """What the page should hold: the town's households above the cursor, by id (read as
    the superuser, without the service's query)."""
    return list(db.execute(text(
        "SELECT hc.household_id FROM household_cells AS hc "
        "JOIN grid_cells AS c ON c.id = hc.cell_id "
        "WHERE c.code LIKE :town AND hc.household_id > :after "
        "ORDER BY hc.household_id LIMIT :limit"),
        {"town": TOWN[:9] + "%", "after": after, "limit": limit}).scalars())


@pytest.mark.parametrize("cursor", ["first page", "before the new households"])
def test_a_town_managers_page_reads_no_household_sequentially(db, two_towns, logins, cursor):
    """A town manager's page of /households, as the app role with the town's scope: no
    plan the service runs scans households from end to end (EXPLAIN, no timings), and the
    page holds the town's first households above the cursor. The second cursor is the
    last household of the first import: the other town's follow it, so the quick look
    right after the cursor finds no page, and the page comes from the town's placements
    (the 200 new households)."""
    after = None
    expected = town_ids(db)
    if cursor != "first page":
        after = db.execute(text(
            "SELECT min(id) - 1 FROM households WHERE external_id LIKE 'HE%'")).scalar_one()
        expected = town_ids(db, after=after)
        assert len(expected) == 100
    page = Page(limit=100, after=None if after is None else str(after))
    rls.scope_session(db, town_manager(), as_role=logins.names.app)
    run = lambda: list_households(db, principal=town_manager(), page=page)  # noqa: E731
    plans = plans_of(db, statements_of(db, run))
    assert seq_scans_of_households(plans) == []
    assert scans_of_households_in_loops(plans) == []
    assert full_sorts(plans) == []  # the page's 100 rows, not the town's 4,200, sorted
    assert unbounded_walks_of_households(plans) == []
    assert [item["id"] for item in run()["items"]] == expected
