"""/staff: the roster, scoped by area, phones masked, reads logged, assignments time-bounded."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, WEST_CODE
from tests.staff_fixtures import hire


def log_rows(db, subject_type):
    return db.execute(text("SELECT action, subject_ids, reason FROM access_log "
                           "WHERE subject_type = :s ORDER BY id"), {"s": subject_type}).all()


def test_list_masks_phones_and_logs_the_read(client, db, three_cells):
    worker = hire(db, name="李四", cells=[WEST_CODE], role="fulltime_worker")
    body = client.get("/staff", params={"cell": WEST_CODE}).json()
    assert [(s["name"], s["phone"]) for s in body["items"]] == [("李四", "139****5678")]
    assert body["items"][0]["assignments"][0]["role"] == "fulltime_worker"
    assert "13912345678" not in client.get("/staff").text
    assert log_rows(db, "staff")[0][:2] == ("list", [worker])


def test_filters_by_role_and_region_and_hides_ended_assignments(client, db, three_cells):
    hire(db, name="网格长甲", cells=[WEST_CODE], role="grid_head")
    hire(db, name="已离任", cells=[EAST_CODE], role="grid_head",
         since=dt.date(2020, 1, 1), until=dt.date(2021, 1, 1))
    names = [s["name"] for s in client.get("/staff", params={"role": "grid_head"})
             .json()["items"]]
    assert names == ["网格长甲"]
    past = client.get("/staff", params={"role": "grid_head", "current": "false"}).json()
    assert sorted(s["name"] for s in past["items"]) == sorted(["网格长甲", "已离任"])
    assert client.get("/staff", params={"region": "500151", "count": "true"}).json()[
        "numberMatched"] == 1


def test_reveal_needs_permission_and_reason(db, three_cells, make_user, auth_client,
                                            request):
    worker = hire(db, name="王五", cells=[MIDDLE_CODE], role="fulltime_worker")
    make_user("gw", "grid_worker", cells=[MIDDLE_CODE])
    make_user("mgr", "manager", cells=[MIDDLE_CODE])
    request.getfixturevalue("rls_db")
    assert auth_client("gw").get(f"/staff/{worker}").status_code == 403  # no staff:read
    mgr = auth_client("mgr")
    assert mgr.get(f"/staff/{worker}").json()["phone"] == "139****5678"
    assert mgr.get(f"/staff/{worker}", params={"reveal": "true"}).status_code == 403
    r = mgr.get(f"/staff/{worker}", params={"reveal": "true", "reason": "值班联系"})
    assert r.json()["phone"] == "13912345678"
    assert log_rows(db, "staff_unmasked")[0] == ("reveal", [worker], "值班联系")


def test_a_manager_sees_and_changes_only_their_area(db, three_cells, make_user, auth_client,
                                                    request):
    hire(db, name="西边", cells=[WEST_CODE], role="fulltime_worker")
    east = hire(db, name="东边", cells=[EAST_CODE], role="fulltime_worker")
    make_user("mgr", "manager", cells=[WEST_CODE])
    request.getfixturevalue("rls_db")  # from here on, requests run as the app role
    mgr = auth_client("mgr")
    assert [s["name"] for s in mgr.get("/staff").json()["items"]] == ["西边"]
    assert mgr.get(f"/staff/{east}").status_code == 404
    outside = mgr.post("/staff", json={"name": "新人", "assignments": [
        {"cell_code": EAST_CODE, "role": "parttime_worker"}]})
    assert outside.status_code == 403 and outside.json()["where"] == "cell"
    made = mgr.post("/staff", json={"name": "新人", "phone": "13700001111", "assignments": [
        {"cell_code": WEST_CODE, "role": "parttime_worker", "duty": "周一至周五 8:30-17:30"}]})
    assert made.status_code == 201, made.text
    assert made.json()["assignments"][0]["duty"] == "周一至周五 8:30-17:30"
    assert sorted(s["name"] for s in mgr.get("/staff").json()["items"]) == ["新人", "西边"]


def test_create_update_and_end_an_assignment(client, db, three_cells):
    made = client.post("/staff", json={"name": "赵六", "staff_no": "GZ-001", "assignments": [
        {"cell_code": WEST_CODE, "role": "grid_head", "valid_from": "2025-01-01"}]}).json()
    again = client.post("/staff", json={"name": "重号", "staff_no": "GZ-001"})
    assert again.status_code == 409 and again.json()["where"] == "staff_no"
    changed = client.patch(f"/staff/{made['id']}", json={"party_member": True, "add_assignments": [
        {"cell_code": MIDDLE_CODE, "role": "fulltime_worker"}]}).json()
    assert changed["party_member"] and len(changed["assignments"]) == 2
    overlap = client.patch(f"/staff/{made['id']}", json={"add_assignments": [
        {"cell_code": WEST_CODE, "role": "grid_head", "valid_from": "2025-06-01"}]})
    assert overlap.status_code == 409
    first = made["assignments"][0]["id"]
    early = client.post(f"/staff/{made['id']}/assignments/{first}/end",
                        json={"valid_to": "2024-12-31"})
    assert early.status_code == 422 and early.json()["where"] == "valid_to"
    ended = client.post(f"/staff/{made['id']}/assignments/{first}/end").json()
    assert ended["valid_to"] == dt.date.today().isoformat()
    bad_cell = client.post("/staff", json={"name": "x", "assignments": [
        {"cell_code": "500151001001999", "role": "grid_head"}]})
    assert bad_cell.status_code == 404 and "500151001001999" in bad_cell.json()["message"]


def test_export_has_chinese_headers_and_is_formula_safe(client, db, three_cells):
    hire(db, name="=HYPERLINK(\"http://x\")", cells=[WEST_CODE], role="grid_head")
    csv = client.get("/staff/export").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("编号,工号,姓名,联系电话")
    assert "'=HYPERLINK" in csv and "网格长" in csv and "139****5678" in csv
    english = client.get("/staff/export", params={"lang": "en"}).content.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("id,staff number,name,phone")
    xlsx = client.get("/staff/export", params={"format": "xlsx"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_an_admin_may_add_staff_before_their_first_assignment(client, db, three_cells):
    made = client.post("/staff", json={"name": "待分配"})
    assert made.status_code == 201 and made.json()["assignments"] == []
    assert client.get(f"/staff/{made.json()['id']}").json()["name"] == "待分配"
    later = client.patch(f"/staff/{made.json()['id']}", json={"add_assignments": [
        {"cell_code": WEST_CODE, "role": "building_head"}]}).json()
    assert [a["role"] for a in later["assignments"]] == ["building_head"]
