"""Migration 0030_person_policies goes down to the per-row policies and back up.

Runs on its own committed database (tests/committed_fixtures.py): it moves the schema
below and back above the migration."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from gis import migrate
from gis.db import sqlalchemy_url

REVISION = "0030_person_policies"
BEFORE = f"{REVISION}-1"  # relative: stays right when the chain is re-ordered


def policies(url: str) -> dict[str, str]:
    """Each person-data policy's USING clause, and which of the set functions exist."""
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            found = dict(conn.execute(text(
                "SELECT policyname, qual FROM pg_policies "
                "WHERE tablename IN ('persons', 'special_population_records')")).all())
            found["functions"] = " ".join(conn.execute(text(
                "SELECT proname FROM pg_proc WHERE proname IN "
                "('onegrid_scope_household_ids', 'onegrid_scope_person_ids') "
                "ORDER BY proname")).scalars())
    finally:
        engine.dispose()
    return found


def test_down_to_the_correlated_policies_and_up_again(committed_grid_url, logins):
    app = logins.names.app
    migrate.downgrade(committed_grid_url, BEFORE, app_role=app)
    before = policies(committed_grid_url)
    assert "EXISTS" in before["persons_area"] and "EXISTS" in before["special_population_area"]
    assert before["functions"] == ""

    migrate.upgrade(committed_grid_url, app_role=app)
    after = policies(committed_grid_url)
    assert "onegrid_scope_household_ids()" in after["persons_area"]
    assert "onegrid_scope_person_ids()" in after["special_population_area"]
    assert after["functions"] == "onegrid_scope_household_ids onegrid_scope_person_ids"
