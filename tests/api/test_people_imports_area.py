"""People imports over HTTP as a scoped user under row-level security.

Persons and special populations used to fail with a 500 ("COPY FROM not supported with
row-level security"), even as a dry run. Every kind now stays inside the caller's area:
a row outside it is an invalid row of the report (file row, why) and a commit writes
nothing at all; an unrestricted admin imports anywhere."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import PLACE_OWN
from tests.people_fixtures import EAST_CODE, WEST_CODE, add_household, add_person, make_id

LAT = 29.805
WEST_ID, EAST_ID, NEW_ID = make_id(seq="111"), make_id(seq="113"), make_id(seq="115")


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def count_all(db, table: str) -> int:
    """Rows of table whatever area they are in (the test session is under RLS too)."""
    db.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
    return db.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # a constant name


@pytest.fixture()
def west_importer(db, three_cells, make_user, auth_client, request):
    """A household and a person in the west and east cells; a west-cell importer."""
    for side, lon, number in (("west", 106.005, WEST_ID), ("east", 106.025, EAST_ID)):
        home = add_household(db, lon=lon, lat=LAT, external_id=side)
        db.execute(PLACE_OWN,
                   {"c": three_cells[side], "h": home})
        add_person(db, household_id=home, name=f"{side}人", id_number=number)
    make_user("wi", ("planner", "grid_worker"), cells=[WEST_CODE])
    make_user("root", "admin")
    request.getfixturevalue("rls_db")
    return auth_client("wi")


def post(client, kind: str, data: bytes, *, commit: bool, name: str = "f.csv"):
    return client.post(f"/imports/people/{kind}", files={"file": (name, data)},
                       data={"commit": "true" if commit else "false"})


def problems(report: dict) -> list[tuple[str, str]]:
    return [(p["where"], p["reason"]) for p in report["invalid_problems"]]


def test_persons_dry_run_and_commit_work_under_rls(db, west_importer):
    data = csv("姓名,身份证号,户号", f"新人,{NEW_ID},west")
    dry = post(west_importer, "persons", data, commit=False)
    assert dry.status_code == 200, dry.text
    assert dry.json()["would_store"] == 1 and dry.json()["committed"] is False
    assert dry.json()["stored"] == 0  # a dry run stores nothing and says so
    assert count_all(db, "persons") == 2
    done = post(west_importer, "persons", data, commit=True)
    assert done.status_code == 200, done.text
    assert done.json()["committed"] is True and count_all(db, "persons") == 3


def test_persons_outside_the_area_are_named_and_nothing_is_written(db, west_importer):
    data = csv("姓名,身份证号,户号", f"新人,{NEW_ID},west",
               f"东边,{make_id(seq='117')},east", f"无户,{make_id(seq='119')},")
    dry = post(west_importer, "persons", data, commit=False)
    assert dry.status_code == 200, dry.text
    assert problems(dry.json()) == [
        ("row 3", "household east does not exist or is outside your area"),
        ("row 4", "the person is in no cell, and only a user without an area limit may "
                  "import that")]
    refused = post(west_importer, "persons", data, commit=True)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["report"]["invalid_rows"] == 2
    assert count_all(db, "persons") == 2


def test_special_populations_only_for_persons_in_the_area(db, west_importer):
    data = csv("身份证号,类别,关注程度", f"{WEST_ID},community_correction,high",
               f"{EAST_ID},community_correction,high")
    dry = post(west_importer, "special", data, commit=False)
    assert dry.status_code == 200, dry.text
    assert problems(dry.json()) == [("row 3", "no person with this ID number in your area")]
    assert post(west_importer, "special", data, commit=True).status_code == 422
    assert count_all(db, "special_population_records") == 0
    good = post(west_importer, "special", csv("身份证号,类别,关注程度",
                                              f"{WEST_ID},community_correction,high"),
                commit=True)
    assert good.status_code == 200 and good.json()["stored"] == 1, good.text
    assert count_all(db, "special_population_records") == 1


def test_households_and_buildings_outside_the_area_are_refused(db, west_importer):
    households = csv("户号,经度,纬度", "W1,106.005,29.805", "E1,106.025,29.805")
    dry = post(west_importer, "households", households, commit=False)
    assert dry.status_code == 200, dry.text
    assert problems(dry.json()) == [
        ("row 3", f"the household is in cell {EAST_CODE}, outside your area")]
    assert post(west_importer, "households", households, commit=True).status_code == 422
    assert count_all(db, "households") == 2
    buildings = csv("地址,经度,纬度", "西路1号,106.005,29.805", "东路1号,106.025,29.805",
                    "远方1号,106.2,29.805")
    dry = post(west_importer, "buildings", buildings, commit=False)
    assert problems(dry.json()) == [
        ("row 3", f"the building is in cell {EAST_CODE}, outside your area"),
        ("row 4", "the building is in no cell, and only a user without an area limit may "
                  "import that")]
    assert post(west_importer, "buildings", buildings, commit=True).status_code == 422
    assert count_all(db, "buildings") == 0


def test_an_unrestricted_admin_imports_anywhere(db, west_importer, auth_client):
    root = auth_client("root")
    data = csv("姓名,身份证号,户号", f"东边,{make_id(seq='117')},east",
               f"无户,{make_id(seq='119')},")
    done = post(root, "persons", data, commit=True)
    assert done.status_code == 200, done.text
    assert done.json()["stored"] == 2 and done.json()["unlocated"] == 1
    assert count_all(db, "persons") == 4


def test_a_household_id_held_in_another_area_is_a_duplicate_row(db, west_importer):
    data = csv("户号,经度,纬度", "east,106.005,29.805", "W9,106.005,29.805")
    done = post(west_importer, "households", data, commit=True)
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["stored"] == 1 and report["committed"] is True
    assert [(d["where"], d["reason"]) for d in report["duplicate_rows"]] == [
        ("row 2", "household id already imported")]
    assert count_all(db, "households") == 3
