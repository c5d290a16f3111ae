"""The scope guard of onegrid_household_weights_forget (0032_rollup_weights): a SECURITY
DEFINER function that the households trigger calls to delete the weights of deleted
households. Called directly by the service's app role (row-level security on) scoped to
one area, it deletes nothing of households that still exist, in the caller's area or
outside it, and hands the caller its own scope back."""
from __future__ import annotations

from sqlalchemy import text

from gis.auth import rls
from gis.auth.principal import Principal
from gis.people.assignment import assign_households
from tests.gis.test_rollup_deltas import MID_LAT
from tests.people_fixtures import WEST_CODE, add_household, add_person, add_special, make_id

WEIGHTS = text("SELECT household_id, 'residents', residents FROM household_weights "
               "UNION ALL SELECT household_id, category_code, n FROM household_special_weights "
               "ORDER BY 1, 2")


def all_weights(db) -> list[tuple]:
    """Every weights row, read as the fixtures' superuser with the whole area."""
    db.execute(text("RESET ROLE"))
    db.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
    return [tuple(row) for row in db.execute(WEIGHTS)]


def test_a_scoped_caller_cannot_forget_the_weights_of_existing_households(db, three_cells,
                                                                          logins):
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    east = add_household(db, lon=106.025, lat=MID_LAT, external_id="e", members=3)
    assign_households(db, generation_id=three_cells["generation"])
    for household, name, seq in ((west, "甲", "001"), (east, "乙", "003")):
        person = add_person(db, household_id=household, name=name,
                            id_number=make_id(seq=seq))
        add_special(db, person_id=person, category="disabled", level="high")
    before = all_weights(db)
    assert {row[0] for row in before} == {west, east}

    worker = Principal(username="w", permissions=frozenset({"households:read"}),
                       cell_codes=(WEST_CODE,))
    rls.scope_session(db, worker, as_role=logins.names.app)
    assert db.execute(text("SELECT current_user")).scalar_one() == logins.names.app
    seen_before = [tuple(row) for row in db.execute(WEIGHTS)]
    assert {row[0] for row in seen_before} == {west}  # the east weights are not the worker's
    scope_before = db.execute(text("SELECT current_setting('onegrid.scope_all', true)")
                              ).scalar_one()
    db.execute(text("SELECT onegrid_household_weights_forget(CAST(:ids AS bigint[]))"),
               {"ids": [west, east]})
    # the caller keeps its own scope: still the west weights only, nothing more
    assert db.execute(text("SELECT current_setting('onegrid.scope_all', true)")
                      ).scalar_one() == scope_before
    assert [tuple(row) for row in db.execute(WEIGHTS)] == seen_before

    assert all_weights(db) == before  # neither the east household's nor the west one's


def test_it_forgets_only_the_weights_of_households_that_are_gone(db, three_cells, logins):
    """The east household deleted by an unrestricted writer, its weights left behind
    (written back as the repair would find them): a west worker's call drops those, and
    only those."""
    west = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    east = add_household(db, lon=106.025, lat=MID_LAT, external_id="e", members=3)
    assign_households(db, generation_id=three_cells["generation"])
    for household, name, seq in ((west, "甲", "001"), (east, "乙", "003")):
        add_person(db, household_id=household, name=name, id_number=make_id(seq=seq))
    db.execute(text("DELETE FROM households WHERE id = :h"), {"h": east})
    db.execute(text("INSERT INTO household_weights (household_id, residents) "
                    "VALUES (:h, 1)"), {"h": east})  # an orphan
    before = all_weights(db)
    worker = Principal(username="w", permissions=frozenset({"households:read"}),
                       cell_codes=(WEST_CODE,))
    rls.scope_session(db, worker, as_role=logins.names.app)
    db.execute(text("SELECT onegrid_household_weights_forget(CAST(:ids AS bigint[]))"),
               {"ids": [west, east]})
    assert all_weights(db) == [row for row in before if row[0] != east]
