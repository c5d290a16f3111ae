"""GET /households/{id} shows the members (personal data) only to callers with persons:read.

Every role, scoped to the household's village, under row-level security: a planner
(households:read only) gets the household without names, masked ID numbers, phones or
birth years; a role with persons:read gets them and the read is in the access log."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.people.rollups import refresh_generation
from gis.reference import ROLES
from tests.factories import PLACE_OWN, VILLAGE
from tests.people_fixtures import add_household, add_person, make_id

LAT = 29.805


def can(role: str, permission: str) -> bool:
    return "*" in ROLES[role][1] or permission in ROLES[role][1]


@pytest.fixture()
def household(db, three_cells):
    household = add_household(db, lon=106.015, lat=LAT, external_id="H1")
    db.execute(PLACE_OWN,
               {"c": three_cells["middle"], "h": household})
    number = make_id(seq="111")
    person = add_person(db, household_id=household, name="张三", id_number=number)
    db.flush()
    return {"id": household, "person": person, "number": number}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_members_only_with_persons_read(db, household, make_user, auth_client, request, role):
    make_user("u", role, regions=[VILLAGE])
    request.getfixturevalue("rls_db")
    client = auth_client("u")
    r = client.get(f"/households/{household['id']}", headers={"X-Access-Reason": "visit"})
    if not can(role, "households:read"):
        assert r.status_code == 403
        return
    assert r.status_code == 200, r.text
    logged = db.execute(text("SELECT subject_ids FROM access_log WHERE username = 'u' "
                             "AND subject_type = 'person'")).scalars().all()
    if can(role, "persons:read"):
        assert [p["name"] for p in r.json()["persons"]] == ["张三"]
        assert logged == [[household["person"]]]
    else:
        assert "persons" not in r.json()
        for shown in ("张三", household["number"][-4:], "1234", "1980"):
            assert shown not in r.text
        assert logged == []


@pytest.mark.parametrize("role", ["planner", "manager"])
def test_special_population_counts_only_with_persons_read(db, household, make_user,
                                                          auth_client, request, role):
    db.execute(text("INSERT INTO special_population_records (person_id, category_code, "
                    "concern_level) VALUES (:p, 'community_correction', 'high')"),
               {"p": household["person"]})
    refresh_generation(db, generation_id=db.execute(text(
        "SELECT id FROM grid_generations WHERE status = 'active'")).scalar_one())
    make_user("u", role, regions=[VILLAGE])
    request.getfixturevalue("rls_db")
    client = auth_client("u")
    cells = client.get("/rollups/cells").json()["items"]
    villages = client.get("/rollups/regions").json()["items"]
    for row in (*cells, *villages):
        assert ("special" in row) == can(role, "persons:read")
        assert row["households"] >= 0
    if can(role, "persons:read"):
        assert sum(r["special_total"] for r in cells) == 1


def test_household_lists_and_exports_carry_no_person_data(db, household, make_user,
                                                          auth_client, request):
    make_user("p", "planner", regions=[VILLAGE])
    request.getfixturevalue("rls_db")
    client = auth_client("p")
    for path, params in (("/households", {}), ("/households/export", {"format": "csv"}),
                         ("/households/unlocated", {}), ("/buildings", {}),
                         ("/rollups/cells", {}), ("/rollups/regions", {})):
        r = client.get(path, params=params)
        assert r.status_code == 200, (path, r.text)
        assert "张三" not in r.text and household["number"][-4:] not in r.text, path
    for path in ("/persons", "/persons/export", "/special-populations",
                 f"/persons/{household['person']}"):
        assert client.get(path).status_code == 403, path


def test_a_household_id_held_in_another_area_is_a_plain_409(db, household, make_user,
                                                          auth_client, request):
    make_user("w", "grid_worker", cells=["500151001001001"])
    request.getfixturevalue("rls_db")
    r = auth_client("w").post("/households", json={"external_id": "H1", "lon": 106.005,
                                                   "lat": LAT})
    assert r.status_code == 409, r.text
    assert r.json()["message"] == "household H1 already exists"
    assert "500151001001002" not in r.text and "households_external_id_key" not in r.text
