"""Migration 0031: the foreign key incidents.duplicate_of -> incidents.id has an index, so
deleting an incident checks for its duplicates with a probe, not a scan of the table.

The plan is the one the key check runs (a prepared statement, generic plan, `$1 = column`
as PostgreSQL's referential-integrity trigger writes it). Sequential scans are priced out
(enable_seqscan off), since on the tests' few rows a scan is cheapest with or without an
index: what is asserted is that an index serves the lookup, which is what makes it a probe
on a table of millions. EXPLAIN only, no timings."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from gis import migrate
from gis.db import sqlalchemy_url

INDEX = "incidents_duplicate_of_idx"
KEY_CHECK = ("SELECT 1 FROM ONLY incidents x WHERE $1 OPERATOR(pg_catalog.=) duplicate_of "
             "FOR KEY SHARE OF x")


def key_check_plan(connection: Connection) -> list[dict]:
    """The nodes of the foreign key's lookup, as its generic plan."""
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    connection.exec_driver_sql(f"PREPARE duplicate_check(bigint) AS {KEY_CHECK}")
    try:
        plan = connection.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) EXECUTE duplicate_check(1)").scalar_one()
    finally:
        connection.exec_driver_sql("DEALLOCATE duplicate_check")
    return list(nodes(plan[0]["Plan"]))


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def test_the_duplicate_key_check_probes_the_index(db):
    plan = key_check_plan(db.connection())
    assert INDEX in {node.get("Index Name") for node in plan}, plan
    assert not [n for n in plan if n["Node Type"] == "Seq Scan"], plan


def test_the_downgrade_drops_the_index_and_the_check_scans_again(migrated_url):
    engine = create_engine(sqlalchemy_url(migrated_url))
    try:
        migrate.downgrade(migrated_url, "0031_incident_duplicate_index-1")
        with engine.begin() as connection:
            plan = key_check_plan(connection)
        assert [n["Node Type"] for n in plan if n.get("Relation Name") == "incidents"] == [
            "Seq Scan"]
    finally:
        migrate.upgrade(migrated_url)
    with engine.begin() as connection:
        assert INDEX in {node.get("Index Name") for node in key_check_plan(connection)}
    engine.dispose()
