"""/audit/staffing: JSON, CSV/XLSX with Chinese (or English) headers, the printable report."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import text

from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, WEST_CODE
from tests.staff_fixtures import add_case, hire


def staffed(db):
    hire(db, name="甲", cells=[WEST_CODE], role="grid_head")
    hire(db, name="乙", cells=[WEST_CODE], role="fulltime_worker")


def test_json_names_each_rule_and_gives_the_workload(client, db, three_cells):
    staffed(db)
    body = client.get("/audit/staffing").json()
    assert [c["code"] for c in body["cells"]] == [WEST_CODE, MIDDLE_CODE, EAST_CODE]
    assert body["cells"][0]["failed_rules"] == []
    assert body["cells"][1]["failed_rules"] == ["grid_head", "fulltime_worker"]
    assert {r["rule"]: r["failed"] for r in body["rules"]}["grid_head"] == 2
    assert body["workload"]["window_days"] == 90 and body["cells"][0]["open_cases"] == 0
    assert client.get("/audit/staffing", params={"workload_days": 7}).json()[
        "workload"]["window_days"] == 7
    assert client.get("/audit/staffing", params={"workload_days": 0}).status_code == 422
    assert body["totals"]["vacancies"] == 4


def test_csv_and_xlsx_exports(client, db, three_cells):
    staffed(db)
    csv = client.get("/audit/staffing", params={"format": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("编码,网格名称,户数,在岗人员,网格长,专职网格员")
    assert "缺" not in csv.splitlines()[1] and "每个网格有网格长" in csv.splitlines()[2]
    english = client.get("/audit/staffing", params={"format": "csv", "lang": "en",
                                                    "table": "regions"})
    assert english.content.decode("utf-8-sig").startswith("level,code,cells,households")
    book = load_workbook(io.BytesIO(client.get("/audit/staffing",
                                               params={"format": "xlsx"}).content))
    assert book.sheetnames == ["网格", "区域汇总", "人员", "月度趋势", "工作量"]
    assert book["网格"]["A2"].value == WEST_CODE


def test_html_report_is_printable_and_scriptless(client, db, three_cells):
    staffed(db)
    db.execute(text(
        "UPDATE grid_cells SET name = '<script>alert(1)</script>' WHERE code = :c"),
        {"c": MIDDLE_CODE})
    r = client.get("/audit/staffing", params={"format": "html"})
    assert r.status_code == 200 and "@page { size: A4" in r.text
    assert "<script" not in r.text.replace("&lt;script", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert r.text.count("<path ") == 3 and "script-src 'self';" in r.headers[
        "content-security-policy"] + ";"
    assert "网格力量配置审计报告" in r.text
    assert "Staffing audit report" in client.get(
        "/audit/staffing", params={"format": "html", "lang": "en"}).text


def test_audit_needs_audit_read_and_keeps_to_the_area(db, three_cells, make_user, auth_client,
                                                      request):
    staffed(db)
    make_user("gw", "grid_worker", cells=[WEST_CODE])
    make_user("mgr", "manager", cells=[MIDDLE_CODE])
    request.getfixturevalue("rls_db")
    assert auth_client("gw").get("/audit/staffing").status_code == 403
    body = auth_client("mgr").get("/audit/staffing").json()
    assert [c["code"] for c in body["cells"]] == [MIDDLE_CODE]


def test_coverage_map_page_is_offline_with_a_layer_per_measure(client, db, three_cells):
    staffed(db)
    r = client.get("/audit/staffing/map", params={"lang": "en"})
    assert r.status_code == 200
    assert "/static/vendor/leaflet/leaflet.js" in r.text and "cdn." not in r.text
    # the bundled Chinese font (a PC without one showed boxes for every Chinese label)
    assert '<link rel="stylesheet" href="/static/vendor/noto-sans-sc/400.css">' in r.text
    for name in ("households per full-time worker", "special population per helper",
                 "households looked after per party member",
                 "share of households looked after by party members", "vacancies",
                 "rules failed"):
        assert name in r.text
    assert "'sha256-" in r.headers["content-security-policy"]


def test_coverage_map_page_has_a_party_members_layer(client, db, three_cells):
    staffed(db)
    hire(db, name="党员", cells=[WEST_CODE], role="party_member", party_member=True)
    page = client.get("/audit/staffing/map").text
    # the layer in the layer control (folium writes its name JSON-escaped) with the counts
    # behind the ratio in its tooltip, and its legend rows (no member: grey, apart from 0)
    overlays = page.split("overlays")[1].split("}")[0]
    assert json.dumps("每名在职党员联系户数") in overlays and overlays.count("geo_json_") == 6
    assert json.dumps("党员联系户覆盖率") in overlays
    assert ('let fields = ["code", "name", "households", "fulltime", "failed", '
            '"party_members", "party_households", "households_per_party_member_text"];') in page
    legend = page.split('id="coverage-legend"')[1]
    assert "每名在职党员联系户数" in legend and "无在职党员" in legend
    assert "党员联系户覆盖率" in legend and "≥ 50%" in legend


def test_dashboard_shell_is_chinese_first_with_english_available(client):
    page = client.get("/audit/dashboard")
    assert page.status_code == 200 and "网格力量看板" in page.text
    assert "<script src=\"/static/js/dashboard.js\"></script>" in page.text
    assert "Staffing dashboard" in client.get("/audit/dashboard", params={"lang": "en"}).text
    assert client.get("/audit/dashboard", params={"lang": "fr"}).status_code == 422


def test_coverage_geojson_carries_measures_raw(client, db, three_cells):
    staffed(db)
    db.execute(text("UPDATE grid_cells SET name = '<b>x</b>' WHERE code = :c"), {"c": WEST_CODE})
    fc = client.get("/audit/staffing/cells").json()
    west = next(f for f in fc["features"] if f["properties"]["code"] == WEST_CODE)
    assert west["properties"]["name"] == "<b>x</b>"  # raw: the page puts it in as text
    assert west["properties"]["rules_failed"] == 0 and west["geometry"]["type"] == "Polygon"
    assert set(fc["bands"]) == {"households_per_fulltime", "special_per_helper",
                                "households_per_party_member", "party_households_share",
                                "vacancies", "rules_failed"}
    # west has no party member: no ratio (null), not 0
    assert (west["properties"]["households_per_party_member"],
            west["properties"]["party_households_share"],
            west["properties"]["party_members"]) == (None, None, 0)


def test_coverage_map_of_an_empty_area_says_so(client, db, three_cells):
    r = client.get("/audit/staffing/map", params={"region": "110101"})
    assert r.status_code == 200 and "无数据" in r.text


def test_workload_in_the_exports_and_the_report(client, db, three_cells):
    now = datetime.now(UTC)
    li = hire(db, name="李网格员", cells=[WEST_CODE], role="fulltime_worker")
    add_case(db, three_cells["west"], status="handling", staff=li,
             dispatched=now - timedelta(days=1), due=now - timedelta(hours=1))
    english = client.get("/audit/staffing", params={"format": "csv", "lang": "en",
                                                    "table": "workload"})
    lines = english.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ("staff id,name,cell code,open cases,overdue cases,cases dispatched in "
                        "the window,of which closed,closure rate,median hours to close")
    assert lines[1] == f"{li},李网格员,{WEST_CODE},1,1,1,0,0.0,"
    cells = client.get("/audit/staffing", params={"format": "csv"}).content.decode("utf-8-sig")
    assert cells.splitlines()[0].endswith("在办事件,超时事件,统计期派遣事件,其中已结案,结案率,"
                                          "结案时长中位数（小时）")
    report = client.get("/audit/staffing", params={"format": "html"}).text
    assert "工作量（事件）" in report and "统计期：最近 90 天" in report
    workers = report.split('id="workload-workers"')[1].split("</table>")[0]
    assert "李网格员" in workers and "0.0%" in workers
