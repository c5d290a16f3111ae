"""The incident catalogue as data: exported as CSV/XLSX, imported back (dry run first),
bad rows refused by row and column, administrators of the whole service only."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

HEADER = "code,parent,name_zh,name_en,time_limit_hours,working_time,department,triage\n"


@pytest.fixture()
def admin(dispatch_world, make_user, auth_client, request):
    make_user("root", "admin")
    make_user("local", "admin", regions=["500151000000"])
    make_user("desk", "dispatcher")
    request.getfixturevalue("rls_db")
    return {name: auth_client(name) for name in ("root", "local", "desk")}


def upload(client, body: str, *, commit: bool, name: str = "c.csv"):
    return client.post("/incidents/categories/import", data={"commit": str(commit).lower()},
                       files={"file": (name, body.encode("utf-8"))})


def test_export_then_import_round_trips(admin):
    exported = admin["desk"].get("/incidents/categories/export", params={"format": "csv"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    vendor = next(r for r in rows if r["code"] == "street_order.vendor")
    assert vendor["parent"] == "street_order" and vendor["triage"] == "minor"
    again = upload(admin["root"], exported.content.decode("utf-8-sig"), commit=True)
    assert again.status_code == 200, again.text
    assert again.json()["added"] == [] and again.json()["changed"] == []
    xlsx = admin["desk"].get("/incidents/categories/export", params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:3] == ["code", "parent", "name_zh"]


def test_a_dry_run_says_what_would_change_and_changes_nothing(admin):
    body = HEADER + ("street_order.vendor,street_order,占道经营,street vending,6,false,城管,minor\n"
                     "street_order.noise,street_order,噪声扰民,noise,24,true,环保,minor\n")
    dry = upload(admin["root"], body, commit=False).json()
    assert dry == {"committed": False, "rows": 2, "added": ["street_order.noise"],
                   "changed": ["street_order.vendor"], "unchanged": 0}
    categories = {c["code"]: c for c in admin["desk"].get("/incidents/categories").json()}
    assert "street_order.noise" not in categories
    assert categories["street_order.vendor"]["time_limit_hours"] == 12
    assert upload(admin["root"], body, commit=True).json()["committed"] is True
    categories = {c["code"]: c for c in admin["desk"].get("/incidents/categories").json()}
    assert categories["street_order.noise"]["parent"] == "street_order"
    assert categories["street_order.vendor"]["time_limit_hours"] == 6


@pytest.mark.parametrize(("row", "says"), [
    ("Bad Code,,x,y,1,,,", "row 2, code"),
    ("a.b,nowhere,x,y,1,,,", "parent nowhere is not in the catalogue"),
    ("emergency,,x,y,-3,,,", "row 2, time_limit_hours"),
    ("emergency,,x,y,2,maybe,,", "row 2, working_time: 'maybe' is not true or false"),
    ("emergency,,x,y,2,,,huge", "row 2, triage"),
])
def test_bad_rows_refuse_the_file_naming_row_and_column(admin, row, says):
    answer = upload(admin["root"], HEADER + row + "\n", commit=True)
    assert answer.status_code == 422 and says in answer.text, answer.text


def test_only_administrators_of_the_whole_service_change_it(admin):
    body = HEADER + "emergency,,突发事件,emergency,1,,,major\n"
    for who in ("local", "desk"):
        assert upload(admin[who], body, commit=True).status_code == 403
