"""/search: the map's search box finds cells, villages and households, within the caller's area."""
from __future__ import annotations

from gis.people.assignment import assign_households
from tests.factories import VILLAGE
from tests.people_fixtures import EAST_CODE, WEST_CODE, add_household

LAT_MID = 29.805


def kinds_and_codes(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(r["kind"], r["code"]) for r in response.json()["results"]]


def test_a_cell_is_found_by_its_code_with_a_point_inside_it(client, three_cells):
    results = client.get("/search", params={"q": EAST_CODE}).json()["results"]
    assert [(r["kind"], r["code"], r["cell_code"]) for r in results] == [
        ("cell", EAST_CODE, EAST_CODE)]
    assert 106.02 < results[0]["lon"] < 106.03 and 29.80 < results[0]["lat"] < 29.81


def test_a_code_prefix_finds_the_village_and_its_cells_in_order(client, three_cells):
    found = kinds_and_codes(client.get("/search", params={"q": VILLAGE}))
    assert found[:3] == [("cell", WEST_CODE), ("cell", VILLAGE + "002"), ("cell", EAST_CODE)]
    assert ("village", VILLAGE) in found


def test_households_by_number_and_address_for_callers_who_may_read_them(
        db, three_cells, make_user, auth_client):
    add_household(db, lon=106.005, lat=LAT_MID, external_id="HH-42", address="幸福路 42 号")
    assign_households(db, generation_id=three_cells["generation"])
    make_user("pat", "planner", regions=(VILLAGE,))  # may read households
    make_user("aud", "auditor", regions=(VILLAGE,))  # may read cells, not households
    planner = auth_client("pat")
    assert kinds_and_codes(planner.get("/search", params={"q": "HH-4"})) == [
        ("household", "HH-42")]
    by_address = planner.get("/search", params={"q": "幸福路"}).json()["results"]
    assert [(r["code"], r["cell_code"]) for r in by_address] == [("HH-42", WEST_CODE)]
    assert kinds_and_codes(auth_client("aud").get("/search", params={"q": "HH-4"})) == []


def test_a_scoped_worker_finds_only_households_of_their_area(
        db, three_cells, make_user, auth_client, request):
    add_household(db, lon=106.005, lat=LAT_MID, external_id="HH-west")
    add_household(db, lon=106.025, lat=LAT_MID, external_id="HH-east")
    assign_households(db, generation_id=three_cells["generation"])
    make_user("wu", "grid_worker", cells=(EAST_CODE,))
    request.getfixturevalue("rls_db")  # from here on, as the service's own login
    found = kinds_and_codes(auth_client("wu").get("/search", params={"q": "HH-"}))
    assert found == [("household", "HH-east")]


def test_wildcards_are_text_and_an_empty_query_says_what_is_wrong(client, three_cells):
    assert kinds_and_codes(client.get("/search", params={"q": "%"})) == []
    blank = client.get("/search", params={"q": "   "})
    assert blank.status_code == 422 and "q is empty" in blank.text


def test_area_narrows_the_results_to_one_region(client, three_cells):
    inside = kinds_and_codes(client.get("/search", params={"q": VILLAGE, "area": VILLAGE}))
    assert ("cell", EAST_CODE) in inside
    elsewhere = client.get("/search", params={"q": VILLAGE, "area": "500151002000"})
    assert kinds_and_codes(elsewhere) == []
    bad = client.get("/search", params={"q": VILLAGE, "area": "50"})
    assert bad.status_code == 422 and "area" in bad.text
