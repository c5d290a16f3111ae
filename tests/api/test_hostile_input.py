"""Hostile input gets a 4xx that says what and where, never a 500: NUL bytes, unknown
geometry types, CSV fields over python's limit, writes that row-level security refuses."""
from __future__ import annotations

import json

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text

from tests.factories import VILLAGE
from tests.gis.test_import_limits import with_sheet, workbook_bytes
from tests.people_fixtures import MIDDLE_CODE, WEST_CODE

WEST = VILLAGE + "001"
HEXAGON = {"type": "Hexagon", "coordinates": [[0, 0], [1, 1]]}
LAT = 29.805


@pytest.mark.parametrize("path", ["/households", "/persons", "/buildings",
                                  "/special-populations", "/access-log"])
def test_a_nul_byte_in_a_query_parameter_is_a_422(client, three_cells, path):
    response = client.get(path, params={"q": "张\x00三", "reason": "check"})
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["message"]


def test_a_nul_byte_in_a_cell_name_is_removed(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    feature = {"type": "Feature", "geometry": mapping(box(0, 0, 1, 1)),
               "properties": {"name": "一\x00网格\u202e"}}
    response = client.put(f"/generations/{draft}/cells/{WEST}", json=feature)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["name"] == "一网格"


def test_a_cell_name_over_the_length_limit_is_refused(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    feature = {"type": "Feature", "geometry": mapping(box(0, 0, 1, 1)),
               "properties": {"name": "格" * 10_000}}
    response = client.put(f"/generations/{draft}/cells/{WEST}", json=feature)
    assert response.status_code == 422, response.text
    assert "over the limit" in response.json()["message"]


def test_an_unknown_geometry_type_in_a_cell_put_is_a_422(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    for body in (HEXAGON, {"type": "Feature", "geometry": HEXAGON, "properties": {}}):
        response = client.put(f"/generations/{draft}/cells/{WEST}", json=body)
        assert response.status_code == 422, response.text
        assert "Hexagon" in response.json()["message"]


def test_an_unknown_geometry_type_in_a_split_is_a_422(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    response = client.post(f"/generations/{draft}/cells/{WEST}/split", json={"line": HEXAGON})
    assert response.status_code == 422, response.text
    assert "hexagon" in response.json()["message"].lower() and response.json()["where"] == "line"


def test_an_unknown_geometry_type_in_a_geojson_people_import_is_reported(client, three_cells):
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": HEXAGON, "properties": {"户编号": "H1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.015, LAT]},
         "properties": {"户编号": "H2"}}]}
    response = client.post("/imports/people/households",
                           files={"file": ("hh.geojson", json.dumps(collection).encode())})
    assert response.status_code == 200, response.text
    problems = response.json()["invalid_problems"]
    assert response.json()["invalid_rows"] == 1
    assert problems[0]["where"] == "feature 0" and "Hexagon" in problems[0]["reason"]


def test_a_csv_field_over_128_kib_in_an_http_import_is_a_422(client, three_cells):
    data = ("户编号,标准地址,经度,纬度\nH1,\"" + "路" * 140_000 + "\",106.015,29.805\n").encode()
    response = client.post("/imports/people/households", files={"file": ("hh.csv", data)})
    assert response.status_code == 422, response.text
    message = response.json()["message"]
    assert "hh.csv" in message and "row 2 column 2 (标准地址)" in message


def test_a_worker_moving_a_household_out_of_their_area_gets_a_403(
        three_cells, db, make_user, auth_client, request):
    make_user("w", "grid_worker", cells=[WEST_CODE])
    request.getfixturevalue("rls_db")
    client = auth_client("w")
    created = client.post("/households", json={"external_id": "M1", "lon": 106.005,
                                               "lat": LAT})
    assert created.status_code == 201, created.text
    moved = client.put(f"/households/{created.json()['id']}/location",
                       json={"lon": 106.015, "lat": LAT})
    assert moved.status_code == 403, moved.text
    assert "area" in moved.json()["message"]
    by_code = client.put(f"/households/{created.json()['id']}/location",
                         json={"cell_code": MIDDLE_CODE})
    assert by_code.status_code == 403, by_code.text


def test_a_worker_adding_a_household_without_a_location_gets_a_422(
        three_cells, db, make_user, auth_client, request):
    make_user("w", "grid_worker", cells=[WEST_CODE])
    request.getfixturevalue("rls_db")
    response = auth_client("w").post("/households", json={"external_id": "M2",
                                                          "address": "幸福路1号"})
    assert response.status_code == 422, response.text
    assert "location" in response.json()["message"]


def test_an_undecodable_access_reason_is_a_400_not_a_reason(client, db, three_cells):
    for header in ("%E8%B5", "%zz", "%ff%fe"):
        response = client.get("/persons", headers={"X-Access-Reason": header})
        assert response.status_code == 400, (header, response.text)
        assert "X-Access-Reason cannot be decoded" in response.json()["message"]
    fine = client.get("/persons", headers={"X-Access-Reason": "%E8%B5%B0%E8%AE%BF"})
    assert fine.status_code == 200, fine.text
    reasons = db.execute(text("SELECT reason FROM access_log WHERE subject_type = 'person' "
                              "ORDER BY id")).scalars().all()
    assert reasons == ["走访"]


def test_an_xlsx_bomb_uploaded_over_http_is_a_422_naming_file_and_limit(client, three_cells):
    bomb = with_sheet(workbook_bytes([["户编号"]]), rows=2_000_000,
                      row_xml=b"<row><c><v>1</v></c></row>")
    response = client.post("/imports/people/households", files={"file": ("hh.xlsx", bomb)})
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith("hh.xlsx: refused:")
    assert "imports.max_" in response.json()["message"]
