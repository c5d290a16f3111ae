"""Staff imports (kind `staff`): Chinese headers, one row per assignment, the caller's area,
under row-level security as a scoped manager."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, WEST_CODE

HEADER = "工号,姓名,联系电话,是否党员,网格编码,岗位,起始日期,值班安排"


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def post(client, data: bytes, *, commit: bool, name: str = "staff.csv"):
    return client.post("/imports/people/staff", files={"file": (name, data)},
                       data={"commit": "true" if commit else "false"})


def everything(db, sql: str):
    db.execute(text("SELECT set_config('onegrid.scope_all', 'on', true)"))
    return db.execute(text(sql)).all()


@pytest.fixture()
def manager(db, three_cells, make_user, auth_client, request):
    make_user("mgr", "manager", cells=[WEST_CODE, MIDDLE_CODE])
    request.getfixturevalue("rls_db")
    return auth_client("mgr")


def test_a_manager_imports_staff_with_several_assignments(db, manager):
    data = csv(HEADER,
               f"G001,张网格,13900001111,是,{WEST_CODE},网格长,2025-01-01,周一至周五",
               f"G001,张网格,13900001111,是,{MIDDLE_CODE},专职网格员,2025-01-01,",
               f"G002,李平安,13900002222,否,{WEST_CODE},safety officer,,")
    dry = post(manager, data, commit=False).json()
    assert (dry["would_store"], dry["assigned_to_cell"], dry["committed"]) == (2, 3, False)
    assert everything(db, "SELECT count(*) FROM staff") == [(0,)]
    done = post(manager, data, commit=True).json()
    assert (done["stored"], done["assigned_to_cell"]) == (2, 3)
    assert everything(db, "SELECT s.staff_no, a.cell_code, a.role_code, s.party_member "
                          "FROM staff s JOIN staff_assignments a ON a.staff_id = s.id "
                          "ORDER BY 1, 2") == [
        ("G001", WEST_CODE, "grid_head", True), ("G001", MIDDLE_CODE, "fulltime_worker", True),
        ("G002", WEST_CODE, "safety_officer", False)]
    again = post(manager, data, commit=True).json()  # the same file twice: all duplicates
    assert (again["stored"], again["assigned_to_cell"], again["duplicates"]) == (0, 0, 3)


def test_rows_outside_the_area_or_with_bad_values_are_named(db, manager):
    data = csv(HEADER, f"G003,王东,13900003333,否,{EAST_CODE},网格长,,",
               f"G004,赵西,1390000x,否,{WEST_CODE},队长,,",
               "G005,钱无,,否,500151001001999,网格长,,")
    report = post(manager, data, commit=True)
    assert report.status_code == 422
    problems = {(p["where"], p["field"])
                for p in report.json()["details"]["report"]["invalid_problems"]}
    assert problems == {("row 2", "cell_code"), ("row 3", "phone"), ("row 3", "role"),
                        ("row 4", "cell_code")}
    assert everything(db, "SELECT count(*) FROM staff") == [(0,)]


def test_xlsx_with_english_headers(db, manager):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "cell_code", "role", "party_member"])
    sheet.append(["Wang", WEST_CODE, "serving party member", "yes"])
    buffer = io.BytesIO()
    book.save(buffer)
    done = post(manager, buffer.getvalue(), commit=True, name="staff.xlsx").json()
    assert (done["stored"], done["assigned_to_cell"]) == (1, 1)


def test_importing_staff_needs_staff_write(db, three_cells, make_user, auth_client):
    make_user("gw", "grid_worker", cells=[WEST_CODE])
    r = post(auth_client("gw"), csv(HEADER), commit=False)
    assert r.status_code == 403
