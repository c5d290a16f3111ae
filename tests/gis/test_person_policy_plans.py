"""Person-data reads under row-level security plan well (migration 0030_person_policies).

Two towns of 20 cells each, 4,000 households (half placed by their building), two persons
per household and a special-population record for the first of them, with fresh
statistics. A town manager and a grid worker (the app role, their area in the
transaction's settings) read what GET /persons and GET /special-populations read: a page,
a page with numberMatched, one row. Every statement is EXPLAINed (no timings), and so are
the bodies of the set functions the policies call (a function's plan does not show in
its caller's). No plan may check a row of persons or special_population_records with a
per-row (not hashed) sub-plan, nor scan a person-data table sequentially inside a loop:
the shapes that made a town manager's staffing audit take 93 s on the city."""
from __future__ import annotations

import json

import pytest
from shapely.geometry import box
from sqlalchemy import event, text

from gis.auth import rls
from gis.auth.principal import Principal
from gis.grid.service import Page
from gis.people.persons import get_person, list_persons
from gis.people.special import get_special, list_special
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

OTHER_TOWN, OTHER_VILLAGE = "500151002000", "500151002001"
CELLS_PER_TOWN, HOUSEHOLDS, SIZE = 20, 4000, 0.01
PERSON_TABLES = {"persons", "special_population_records"}
PERSON_DATA = PERSON_TABLES | {"households", "household_own_cells", "building_cells"}
NO_FILTER = {"cell": None, "region": None, "category": None, "concern_level": None}


@pytest.fixture()
def towns(db):
    """Cells 0..19 in TOWN's village, 20..39 in OTHER_TOWN's; people; statistics."""
    add_region(db, code=DISTRICT, level="district", parent=None, geom=box(106, 29, 107, 30))
    for town, village in ((TOWN, VILLAGE), (OTHER_TOWN, OTHER_VILLAGE)):
        add_region(db, code=town, level="town", parent=DISTRICT, geom=box(106, 29, 107, 30))
        add_region(db, code=village, level="village", parent=town, geom=box(106, 29, 107, 30))
    generation = add_generation(db)
    cells = [add_cell(db, code=f"{village}{i + 1:03d}", generation=generation,
                      village=village,
                      geom=box(106 + n * SIZE, 29.8, 106 + (n + 1) * SIZE, 29.8 + SIZE))
             for n, (village, i) in enumerate(
                 [(VILLAGE, i) for i in range(CELLS_PER_TOWN)]
                 + [(OTHER_VILLAGE, i) for i in range(CELLS_PER_TOWN)])]
    params = {"cells": cells, "n": HOUSEHOLDS}
    db.execute(text(
        "INSERT INTO buildings (code, address, geom) "
        "SELECT 'B' || i, 'building ' || i, ST_SetSRID(ST_MakePoint(106.005, 29.805), 4326) "
        "FROM generate_series(0, :n / 2 - 1) AS i"), params)
    db.execute(text(
        "INSERT INTO building_cells (building_id, cell_id) "
        "SELECT b.id, (CAST(:cells AS bigint[]))[1 + substr(b.code, 2)::int % 40] "
        "FROM buildings AS b"), params)
    db.execute(text(
        "INSERT INTO households (external_id, address, members, located_by) "
        "SELECT 'H' || i, 'address ' || i, 2, 'coordinates' "
        "FROM generate_series(0, :n / 2 - 1) AS i"), params)
    db.execute(text(
        "INSERT INTO household_own_cells (household_id, cell_id) "
        "SELECT h.id, (CAST(:cells AS bigint[]))[1 + substr(h.external_id, 2)::int % 40] "
        "FROM households AS h"), params)
    db.execute(text(
        "INSERT INTO households (external_id, address, members, building_id, located_by) "
        "SELECT 'HB' || b.code, 'in ' || b.address, 2, b.id, 'building' FROM buildings AS b"))
    db.execute(text(
        "INSERT INTO persons (household_id, name, residence) "
        "SELECT h.id, 'person ' || h.id || '.' || k, 'registered' "
        "FROM households AS h, generate_series(1, 2) AS k"))
    db.execute(text(
        "INSERT INTO special_population_records (person_id, category_code, concern_level) "
        "SELECT p.id, 'key_youth', (ARRAY['high', 'medium', 'low'])[1 + p.id % 3] "
        "FROM persons AS p WHERE p.name LIKE '%.1'"))
    for table in ("grid_cells", "buildings", "building_cells", "households",
                  "household_own_cells", "persons", "special_population_records"):
        db.execute(text(f"ANALYZE {table}"))  # constant names
    db.flush()
    return cells


CALLERS = {
    "town manager": Principal(username="m", permissions=frozenset({"*"}), everywhere=False,
                              region_codes=(TOWN,)),
    "grid worker": Principal(username="w", permissions=frozenset({"*"}), everywhere=False,
                             cell_codes=(VILLAGE + "003",)),
}


def reads(db, principal: Principal) -> dict:
    """What the /persons and /special-populations routes run, by name."""
    def first_id(table: str) -> int:
        return db.execute(text(f"SELECT min(id) FROM {table}")).scalar_one()  # constant

    person, record = first_id("persons"), first_id("special_population_records")
    common = {"principal": principal, "reason": "test", "client": None}
    return {
        "persons page": lambda: list_persons(db, **common, page=Page(limit=100)),
        "persons page + count": lambda: list_persons(db, **common,
                                                     page=Page(limit=100, count=True)),
        "one person": lambda: get_person(db, **common, person_id=person),
        "special page": lambda: list_special(db, **common, page=Page(limit=100),
                                             **NO_FILTER),
        "special page + count": lambda: list_special(
            db, **common, page=Page(limit=100, count=True), **NO_FILTER),
        "one record": lambda: get_special(db, **common, record_id=record),
    }


def statements_of(db, run) -> list[tuple[str, object]]:
    """The reads run() sends on db's connection (not the transaction's settings or the
    access-log entry)."""
    seen: list[tuple[str, object]] = []
    connection = db.connection()

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")
            and "set_config(" not in s and "onegrid_scope_resolve" not in s]


def plan_of(db, statement: str, parameters=None) -> dict:
    cursor = db.connection().connection.cursor()
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    plan = cursor.fetchone()[0]
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]


def is_hashed(parent: dict, subplan: dict) -> bool:
    """A hashed sub-plan runs once per statement; the parent's condition says so."""
    conditions = " ".join(str(v) for k, v in parent.items()
                          if k.endswith(("Filter", "Cond")))
    return f"hashed {subplan.get('Subplan Name')}" in conditions


def problems(plan: dict, *, looped: bool = False) -> list[str]:
    """Per-row sub-plans on person rows; sequential scans of person data inside a loop."""
    found = []
    relation = plan.get("Relation Name")
    if looped and plan["Node Type"] == "Seq Scan" and relation in PERSON_DATA:
        found.append(f"Seq Scan on {relation} inside a loop")
    children = plan.get("Plans", [])
    for child in children:
        per_row = (child.get("Parent Relationship") == "SubPlan"
                   and not is_hashed(plan, child))
        if per_row and relation in PERSON_TABLES:
            found.append(f"per-row {child.get('Subplan Name')} checking {relation}")
        inner = plan["Node Type"] == "Nested Loop" and child is children[-1]
        # a Materialize or Hash node is filled once and re-read for every outer row
        cached = plan["Node Type"] in ("Materialize", "Hash")
        found += problems(child, looped=not cached and (looped or inner or per_row))
    return found


def person_data_read(plan: dict) -> bool:
    return plan.get("Relation Name") in PERSON_TABLES or any(
        person_data_read(child) for child in plan.get("Plans", []))


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("read", ["persons page", "persons page + count", "one person",
                                  "special page", "special page + count", "one record"])
def test_reads_check_person_rows_by_hash_not_per_row(db, towns, logins, caller, read):
    principal = CALLERS[caller]
    rls.scope_session(db, principal, as_role=logins.names.app)
    run = reads(db, principal)[read]
    plans = [plan_of(db, s, p) for s, p in statements_of(db, run)]
    assert any(person_data_read(plan) for plan in plans), "no read of person data seen"
    assert [p for plan in plans for p in problems(plan)] == []
    assert run()  # and the caller is shown something


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("function", ["onegrid_scope_household_ids",
                                      "onegrid_scope_person_ids"])
def test_the_policies_sets_are_built_by_index(db, towns, logins, caller, function):
    """The set functions' own plans: driven by the caller's cell ids, no scan per row."""
    body = db.execute(text("SELECT prosrc FROM pg_proc WHERE proname = :f"),
                      {"f": function}).scalar_one()
    rls.scope_session(db, CALLERS[caller], as_role=logins.names.app)
    plan = plan_of(db, body)
    assert problems(plan) == []
    scans = [n for n in walk(plan) if n.get("Relation Name") in PERSON_DATA]
    # Reading a table whole is right when the caller holds a large share of it (this
    # fixture's town manager holds half of everything) or it is one page; otherwise the
    # caller's rows must be reached through an index.
    size = {name: (pages, rows) for name, pages, rows in db.execute(text(
        "SELECT relname, relpages, reltuples FROM pg_class WHERE relname = ANY (:names)"),
        {"names": sorted(PERSON_DATA)}).all()}

    def fair(node: dict) -> bool:
        pages, rows = size[node["Relation Name"]]
        return node["Node Type"] != "Seq Scan" or pages <= 1 or node["Plan Rows"] >= rows / 5

    assert scans and all(fair(n) for n in scans), [
        (n["Node Type"], n["Relation Name"], n["Plan Rows"], size[n["Relation Name"]])
        for n in scans]


def walk(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from walk(child)


def test_a_town_manager_sees_the_town_and_a_worker_the_cell(db, towns, logins):
    """The sets behind the plans above hold what they should (sizes from the fixture)."""
    rls.scope_session(db, CALLERS["town manager"], as_role=logins.names.app)
    assert db.execute(text("SELECT count(*) FROM persons")).scalar_one() == HOUSEHOLDS * 2 / 2
    rls.scope_session(db, CALLERS["grid worker"], as_role=logins.names.app)
    assert db.execute(text("SELECT count(*) FROM persons")).scalar_one() == HOUSEHOLDS * 2 / 40
