"""/persons and /special-populations: masked by default, reveal by permission, reads logged."""
from __future__ import annotations

from sqlalchemy import text

from tests.factories import PLACE_OWN
from tests.people_fixtures import (
    MIDDLE_CODE,
    WEST_CODE,
    add_household,
    add_person,
    add_special,
    make_id,
)

LAT = 29.805


def log_rows(db, subject_type):
    return db.execute(text("SELECT username, action, subject_ids, reason FROM access_log "
                           "WHERE subject_type = :s ORDER BY id"), {"s": subject_type}).all()


def people(db, cells=None):
    household = add_household(db, lon=106.015, lat=LAT, external_id="H1")
    if cells:
        db.execute(PLACE_OWN,
                   {"c": cells["middle"], "h": household})
    number = make_id(seq="111")
    person = add_person(db, household_id=household, name="张三", id_number=number)
    return household, person, number


def test_list_is_masked_and_logged(client, db, three_cells):
    _, person, number = people(db)
    body = client.get("/persons").json()
    item = body["items"][0]
    assert item["id_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert item["phone"] == "138****1234"
    assert "id_number" not in item and "id_hash" not in item and "id_cipher" not in item
    assert number not in client.get("/persons").text
    assert [(r.action, r.subject_ids) for r in log_rows(db, "person")][:1] == [
        ("list", [person])]


def test_detail_is_logged_with_reason(client, db, three_cells):
    _, person, _ = people(db)
    r = client.get(f"/persons/{person}", headers={"X-Access-Reason": "visit"})
    assert r.status_code == 200 and r.json()["name"] == "张三"
    assert [(x.action, x.subject_ids, x.reason) for x in log_rows(db, "person")] == [
        ("read", [person], "visit")]


def test_reveal_needs_a_reason_and_shows_the_number(client, db, three_cells):
    _, person, number = people(db)
    refused = client.get(f"/persons/{person}", params={"reveal": "true"})
    assert refused.status_code == 403
    r = client.get(f"/persons/{person}", params={"reveal": "true", "reason": "court order"})
    assert r.json()["id_number"] == number and r.json()["phone"] == "13812341234"
    assert log_rows(db, "person_unmasked")[0].reason == "court order"


def test_reveal_is_refused_without_the_permission(client, db, three_cells, make_user,
                                                  auth_client):
    _, person, _ = people(db, three_cells)
    make_user("ann", "grid_worker", cells=[MIDDLE_CODE])
    ann = auth_client("ann")
    assert ann.get(f"/persons/{person}").json()["id_masked"].startswith("500")
    r = ann.get(f"/persons/{person}", params={"reveal": "true", "reason": "curious"})
    assert r.status_code == 403


def test_scoped_worker_sees_only_their_cell(client, db, three_cells, make_user, auth_client):
    people(db, three_cells)  # a household in the middle cell
    make_user("bob", "grid_worker", cells=[WEST_CODE])
    make_user("cy", "grid_worker", cells=[MIDDLE_CODE])
    assert auth_client("bob").get("/persons?count=true").json()["numberMatched"] == 0
    assert auth_client("cy").get("/persons?count=true").json()["numberMatched"] == 1


def test_create_person_validates_the_id_number(client, db, three_cells):
    household = add_household(db, lon=106.015, lat=LAT, external_id="H1")
    bad = client.post("/persons", json={"name": "李四", "id_number": "500151198001011230",
                                        "household_id": household})
    assert bad.status_code == 422 and "checksum" in bad.json()["message"]
    good = client.post("/persons", json={"name": "李四", "id_number": make_id(seq="222"),
                                         "household_id": household})
    assert good.status_code == 201 and good.json()["gender"] == "F"
    again = client.post("/persons", json={"name": "李四", "id_number": make_id(seq="222")})
    assert again.status_code == 409


def test_household_detail_logs_its_members(client, db, three_cells):
    household, person, _ = people(db)
    r = client.get(f"/households/{household}")
    assert [p["id"] for p in r.json()["persons"]] == [person]
    assert log_rows(db, "person")[0].subject_ids == [person]


def test_special_population_reads_need_a_reason_and_are_logged(client, db, three_cells):
    _, person, _ = people(db)
    record = add_special(db, person_id=person, category="key_youth.05", level="high")
    assert client.get("/special-populations").status_code == 403
    listed = client.get("/special-populations", params={"category": "key_youth",
                                                        "reason": "monthly visit plan"})
    assert [i["id"] for i in listed.json()["items"]] == [record]
    assert "id_number" not in listed.json()["items"][0]
    detail = client.get(f"/special-populations/{record}",
                        headers={"X-Access-Reason": "visit"})
    assert detail.json()["concern_level"] == "high"
    assert [(r.action, r.subject_ids) for r in log_rows(db, "special_population")] == [
        ("list", [person]), ("read", [person])]
