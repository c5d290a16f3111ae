"""ETag / If-Match on the people rows that PATCH and PUT change: a stale edit is a 409."""
from __future__ import annotations

import pytest

from tests.people_fixtures import add_household, add_person, add_special, make_id

LAT = 29.805
REASON = {"X-Access-Reason": "visit"}


@pytest.fixture()
def rows(db, three_cells) -> dict:
    household = add_household(db, lon=106.015, lat=LAT, external_id="H1")
    person = add_person(db, household_id=household, name="张三", id_number=make_id(seq="111"))
    return {"household": household, "person": person,
            "special": add_special(db, person_id=person, category="key_youth.05",
                                   level="high")}


def stale_edit_is_refused(client, url: str, read_url: str, first: dict, second: dict):
    read = client.get(read_url, headers=REASON)
    assert read.status_code == 200, read.text
    etag = read.headers["ETag"]
    assert etag == f'"{read.json()["version"]}"'
    written = client.patch(url, json=first, headers={"If-Match": etag})
    assert written.status_code == 200, written.text
    assert written.json()["version"] == read.json()["version"] + 1
    assert written.headers["ETag"] == f'"{written.json()["version"]}"'
    stale = client.patch(url, json=second, headers={"If-Match": etag})
    assert stale.status_code == 409 and stale.json()["error"] == "StaleEdit"
    assert stale.json()["details"] == {"current_version": written.json()["version"],
                                       "your_version": read.json()["version"]}
    blind = client.patch(url, json=second)  # no If-Match: applied on top of the last edit
    assert blind.status_code == 200 and blind.json()["version"] == written.json()["version"] + 1


def test_households(client, rows):
    url = f"/households/{rows['household']}"
    stale_edit_is_refused(client, url, url, {"members": 4}, {"members": 5})
    assert client.get(url).json()["members"] == 5


def test_a_location_fix_checks_the_version_too(client, rows):
    url = f"/households/{rows['household']}"
    etag = client.get(url).headers["ETag"]
    client.patch(url, json={"address": "新地址"})
    moved = client.put(f"{url}/location", json={"lon": 106.005, "lat": LAT},
                       headers={"If-Match": etag})
    assert moved.status_code == 409


def test_persons(client, rows):
    url = f"/persons/{rows['person']}"
    stale_edit_is_refused(client, url, url, {"name": "张三丰"}, {"name": "张四"})


def test_special_population_records(client, rows):
    url = f"/special-populations/{rows['special']}"
    stale_edit_is_refused(client, url, url, {"concern_level": "medium"},
                          {"concern_level": "low"})


def test_buildings(client, three_cells):
    created = client.post("/buildings", json={"code": "B1", "address": "幸福路1号楼",
                                              "lon": 106.005, "lat": LAT})
    url = f"/buildings/{created.json()['id']}"
    stale_edit_is_refused(client, url, url, {"floors": 6}, {"floors": 7})

