"""One person per ID number, whatever the caller can see: the unique index decides.

A grid worker of one cell registering a number already held by a person of another cell
(hidden by row-level security) gets a 409 that names neither the person nor the area;
ten concurrent creates of one new number on a committed database: exactly one succeeds."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.app import create_app
from gis.auth import service as users
from gis.auth import tokens
from gis.db import sqlalchemy_url
from tests.factories import PLACE_OWN, add_own_household
from tests.people_fixtures import (
    EAST_CODE,
    WEST_CODE,
    add_household,
    add_person,
    make_id,
)

LAT = 29.805
ALREADY = "this ID number is already registered"


@pytest.fixture()
def two_workers(db, three_cells, make_user, auth_client, request):
    """Households in the west and east cells, a worker for each, then RLS on."""
    homes = {}
    for side, lon in (("west", 106.005), ("east", 106.025)):
        homes[side] = add_household(db, lon=lon, lat=LAT, external_id=side)
        db.execute(PLACE_OWN,
                   {"c": three_cells[side], "h": homes[side]})
    held = add_person(db, household_id=homes["east"], name="东边的人",
                      id_number=make_id(seq="111"))
    make_user("w", "grid_worker", cells=[WEST_CODE])
    make_user("e", "grid_worker", cells=[EAST_CODE])
    make_user("wi", ("grid_worker", "planner"), cells=[WEST_CODE])  # may import persons
    request.getfixturevalue("rls_db")
    return {"homes": homes, "held": held, "west": auth_client("w"), "east": auth_client("e"),
            "west_importer": auth_client("wi")}


def assert_anonymous_conflict(response, *, held: int) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["message"] == ALREADY and body["where"] == "id_number"
    for secret in (EAST_CODE, str(held), "东边的人", "ux_persons_id_hash"):
        assert secret not in response.text


def test_a_number_held_in_another_area_is_refused_without_saying_where(db, two_workers):
    west = two_workers["west"]
    r = west.post("/persons", json={"name": "重复", "id_number": make_id(seq="111"),
                                    "household_id": two_workers["homes"]["west"]})
    assert_anonymous_conflict(r, held=two_workers["held"])
    fresh = west.post("/persons", json={"name": "新人", "id_number": make_id(seq="113"),
                                        "household_id": two_workers["homes"]["west"]})
    assert fresh.status_code == 201, fresh.text  # the request after a 409 still works


def test_correcting_a_number_to_one_already_held_is_refused(db, two_workers):
    west = two_workers["west"]
    mine = west.post("/persons", json={"name": "西边的人", "id_number": make_id(seq="115"),
                                       "household_id": two_workers["homes"]["west"]}).json()
    r = west.patch(f"/persons/{mine['id']}", json={"id_number": make_id(seq="111")})
    assert_anonymous_conflict(r, held=two_workers["held"])
    corrected = west.patch(f"/persons/{mine['id']}",
                           json={"id_number": make_id(birth="19900202", seq="116")})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["birth_year"] == 1990 and corrected.json()["gender"] == "F"


def test_an_import_skips_a_number_held_in_another_area(db, two_workers):
    csv = ("姓名,身份证号,户号\n重复,{},west\n新人,{},west\n".format(
        make_id(seq="111"), make_id(seq="117"))).encode()
    r = two_workers["west_importer"].post("/imports/people/persons", files={"file": ("p.csv", csv)},
                                 data={"commit": "true"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["stored"] == 1 and report["committed"] is True
    assert [(d["where"], d["reason"]) for d in report["duplicate_rows"]] == [
        ("row 2", ALREADY)]
    assert EAST_CODE not in r.text and "东边的人" not in r.text


@pytest.fixture()
def committed_people(committed_grid_url):
    """Two committed households (west, east cells) and a grid worker for each cell."""
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with Session(engine) as session, session.begin():
        for side, code in (("west", "500151001001001"), ("east", "500151001001002")):
            cell = session.scalar(text("SELECT id FROM grid_cells WHERE code = :c"), {"c": code})
            add_own_household(session, cell_id=cell, external_id=side, located_by="manual")
            users.add_user(session, username=side, password=None, roles=("grid_worker",))
            users.add_scope(session, username=side, code=code)
    yield engine
    engine.dispose()


def test_ten_concurrent_creates_of_one_new_number_store_one(committed_grid_url,
                                                            committed_people, settings):
    settings.database.url = committed_grid_url
    settings.security.dev_mode = False
    settings.server.locate_index = False
    with Session(committed_people) as session:
        homes = dict(session.execute(text("SELECT external_id, id FROM households")).all())
        bearer = {side: tokens.issue_tokens(
            settings.security, username=side,
            password_hash=users.get_user(session, username=side).password_hash).access_token
            for side in homes}
    number = make_id(birth="19750505", seq="131")
    start = threading.Barrier(10)

    with TestClient(create_app(settings)) as client:
        def create(i: int):
            side = ("west", "east")[i % 2]
            start.wait()
            return client.post("/persons", headers={"Authorization": f"Bearer {bearer[side]}"},
                               json={"name": f"并发{i}", "id_number": number,
                                     "household_id": homes[side]})

        with ThreadPoolExecutor(10) as pool:
            responses = list(pool.map(create, range(10)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, [r.text for r in responses]
    assert {r.json()["message"] for r in responses if r.status_code == 409} == {ALREADY}
    with committed_people.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM persons")).scalar() == 1
