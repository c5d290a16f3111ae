"""/households, /buildings, /rollups and /imports/people over HTTP."""
from __future__ import annotations

from sqlalchemy import text

from gis.people.assignment import assign_households
from tests.conftest import scalar
from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, WEST_CODE, add_household

LAT = 29.805


def test_create_household_assigns_it_to_a_cell(client, three_cells):
    r = client.post("/households", json={"external_id": "H1", "address": "幸福路1号",
                                         "lon": 106.015, "lat": LAT, "members": 3})
    assert r.status_code == 201, r.text
    assert r.json()["cell_code"] == MIDDLE_CODE
    cells = client.get("/rollups/cells").json()["items"]
    assert {c["code"]: c["households"] for c in cells}[MIDDLE_CODE] == 1


def test_duplicate_external_id_is_a_conflict(client, three_cells):
    body = {"external_id": "H1", "lon": 106.015, "lat": LAT}
    assert client.post("/households", json=body).status_code == 201
    assert client.post("/households", json=body).status_code == 409


def test_list_by_cell_and_region_with_paging(client, db, three_cells):
    for i, lon in enumerate((106.005, 106.006, 106.025)):
        add_household(db, lon=lon, lat=LAT, external_id=f"H{i}")
    assign_households(db, generation_id=three_cells["generation"])
    west = client.get("/households", params={"cell": WEST_CODE, "limit": 1,
                                             "count": "true"}).json()
    assert west["numberMatched"] == 2 and west["numberReturned"] == 1
    rest = client.get(west["next"]).json()  # keyset: the same filter, after the last id
    assert [h["external_id"] for h in west["items"] + rest["items"]] == ["H0", "H1"]
    assert "numberMatched" not in rest
    village = client.get("/households", params={"region": WEST_CODE[:12],
                                                "count": "true"}).json()
    assert village["numberMatched"] == 3
    assert {h["cell_code"] for h in village["items"]} == {WEST_CODE, EAST_CODE}


def test_unlocated_queue_lists_and_fixes(client, three_cells):
    r = client.post("/households", json={"external_id": "far", "lon": 106.2, "lat": LAT})
    household = r.json()
    assert household["cell_id"] is None and "outside every cell" in household[
        "unlocated_reason"]
    queue = client.get("/households/unlocated").json()
    assert [h["external_id"] for h in queue["items"]] == ["far"]
    fixed = client.put(f"/households/{household['id']}/location",
                       json={"lon": 106.025, "lat": LAT})
    assert fixed.json()["cell_code"] == EAST_CODE
    manual = client.put(f"/households/{household['id']}/location",
                        json={"cell_code": WEST_CODE}).json()
    assert manual["cell_code"] == WEST_CODE and manual["located_by"] == "manual"
    assert client.get("/households/unlocated").json()["items"] == []


def test_export_csv_and_xlsx(client, db, three_cells):
    client.post("/households", json={"external_id": "H1", "address": "幸福路1号",
                                     "lon": 106.015, "lat": LAT})
    csv = client.get("/households/export", params={"format": "csv"})
    assert csv.status_code == 200 and "幸福路1号" in csv.content.decode("utf-8-sig")
    xlsx = client.get("/households/export", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_import_over_http_dry_run_then_commit(client, db, three_cells):
    data = "户编号,经度,纬度\nH1,106.015,29.805\nH2,abc,29.805\n".encode()
    dry = client.post("/imports/people/households", files={"file": ("hh.csv", data)})
    assert dry.status_code == 200, dry.text
    assert dry.json()["invalid_rows"] == 1 and not dry.json()["committed"]
    refused = client.post("/imports/people/households", files={"file": ("hh.csv", data)},
                          data={"commit": "true"})
    assert refused.status_code == 422
    assert refused.json()["details"]["report"]["invalid_problems"][0]["where"] == "row 3"
    good = client.post("/imports/people/households",
                       files={"file": ("hh.csv", data.rsplit(b"H2", 1)[0])},
                       data={"commit": "true"})
    assert good.json()["committed"] and good.json()["assigned_to_cell"] == 1
    assert scalar(db, "SELECT count(*) FROM households") == 1


def test_region_rollups(client, db, three_cells):
    client.post("/households", json={"external_id": "H1", "lon": 106.015, "lat": LAT,
                                     "members": 4})
    villages = client.get("/rollups/regions", params={"level": "village"}).json()["items"]
    assert [(v["code"], v["households"], v["members"]) for v in villages] == [
        (MIDDLE_CODE[:12], 1, 4)]


def test_buildings_create_and_list(client, db, three_cells):
    r = client.post("/buildings", json={"code": "B1", "address": "幸福路1号楼",
                                        "lon": 106.005, "lat": LAT})
    assert r.status_code == 201 and r.json()["cell_code"] == WEST_CODE
    listed = client.get("/buildings", params={"cell": WEST_CODE}).json()
    assert [b["code"] for b in listed["items"]] == ["B1"]
    hh = client.post("/households", json={"external_id": "H1", "building_code": "B1"}).json()
    assert hh["cell_code"] == WEST_CODE and hh["located_by"] == "building"
    assert db.execute(text("SELECT building_id FROM households WHERE id = :i"),
                      {"i": hh["id"]}).scalar() == r.json()["id"]


def test_control_characters_are_cleaned_so_exports_still_work(client, three_cells):
    r = client.post("/households", json={"external_id": "H\u200b9", "lon": 106.015, "lat": LAT,
                                         "address": "幸福路\x0b1号\x00"})
    assert r.status_code == 201, r.text
    listed = client.get("/households", params={"cell": MIDDLE_CODE}).json()
    addresses = [h["address"] for h in listed["items"]]
    assert "幸福路 1号" in addresses
    export = client.get("/households/export", params={"format": "xlsx"})
    assert export.status_code == 200


def test_a_scoped_grid_worker_creates_households_in_the_area_only(
        three_cells, db, make_user, auth_client, request):
    """Under row-level security a new household must already be in the caller's area
    when it is written: its cell is found before the row is inserted."""
    add_building_row = text(
        "INSERT INTO buildings (code, address, geom) VALUES ('B9', '幸福路9号', "
        "ST_SetSRID(ST_MakePoint(106.025, :lat), 4326)) RETURNING id")
    building = db.execute(add_building_row, {"lat": LAT}).scalar_one()
    assign_households(db, generation_id=three_cells["generation"])
    make_user("m", "grid_worker", cells=[WEST_CODE, EAST_CODE])
    request.getfixturevalue("rls_db")
    client = auth_client("m")
    by_point = client.post("/households", json={"external_id": "P1", "lon": 106.005,
                                                "lat": LAT})
    assert by_point.status_code == 201, by_point.text
    assert by_point.json()["cell_code"] == WEST_CODE
    by_building = client.post("/households", json={"external_id": "P2",
                                                   "building_code": "B9"})
    assert by_building.status_code == 201, by_building.text
    assert by_building.json()["cell_code"] == EAST_CODE
    assert by_building.json()["building_id"] == building
    outside = client.post("/households", json={"external_id": "P3", "lon": 106.015,
                                               "lat": LAT})
    assert outside.status_code == 403, outside.text
