"""Households looked after by registered party members: imported (kind party_households)
as a scoped manager under row-level security, shown on the staff detail, counted by the
audit."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import PLACE_OWN
from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, WEST_CODE, add_household
from tests.staff_fixtures import hire

HEADER = "工号,姓名,联系户编号,起始日期"


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def post(client, data: bytes, *, commit: bool):
    return client.post("/imports/people/party_households",
                       files={"file": ("links.csv", data)},
                       data={"commit": "true" if commit else "false"})


@pytest.fixture()
def world(db, three_cells):
    """Two households in each cell; a party member registered in the west cell (P001), one
    in the east (P002), a grid worker (G001) in the west."""
    for key, code in (("west", "W"), ("middle", "M"), ("east", "E")):
        for k in (1, 2):
            h = add_household(db, lon=None, lat=None, external_id=f"{code}{k}")
            db.execute(PLACE_OWN, {"c": three_cells[key], "h": h})
    ids = {"west": hire(db, name="党员甲", cells=[WEST_CODE], role="party_member",
                        party_member=True),
           "east": hire(db, name="党员乙", cells=[EAST_CODE], role="party_member",
                        party_member=True),
           "worker": hire(db, name="网格员", cells=[WEST_CODE], role="fulltime_worker")}
    for no, key in (("P001", "west"), ("P002", "east"), ("G001", "worker")):
        db.execute(text("UPDATE staff SET staff_no = :n WHERE id = :i"),
                   {"n": no, "i": ids[key]})
    return ids


@pytest.fixture()
def manager(db, world, make_user, auth_client, request):
    make_user("mgr", "manager", cells=[WEST_CODE, MIDDLE_CODE])
    request.getfixturevalue("rls_db")
    return auth_client("mgr")


def test_a_manager_imports_the_households_a_member_looks_after(manager, world):
    data = csv(HEADER, "P001,,W1,2026-01-01", ",党员甲,W2,")
    dry = post(manager, data, commit=False).json()
    assert (dry["would_store"], dry["committed"], dry["invalid_rows"]) == (2, False, 0)
    done = post(manager, data, commit=True).json()
    assert (done["stored"], done["committed"]) == (2, True)
    detail = manager.get(f"/staff/{world['west']}").json()
    assert [(h["external_id"], h["cell_code"], h["current"]) for h in detail["households"]] == [
        ("W1", WEST_CODE, True), ("W2", WEST_CODE, True)]
    assert detail["households"][0]["valid_from"] == "2026-01-01"
    again = post(manager, data, commit=True).json()  # the same file twice: duplicates
    assert (again["stored"], again["duplicates"]) == (0, 2)
    # the audit counts them in the member's cell
    audit = manager.get("/audit/staffing").json()
    west = next(c for c in audit["cells"] if c["code"] == WEST_CODE)
    assert (west["party_members"], west["party_households"]) == (1, 2)
    assert west["pass_households_per_party_member"] is True


def test_rows_that_do_not_fit_are_named_and_nothing_is_written(manager, world):
    data = csv(HEADER,
               "P001,,M1,",  # a household of another cell than the member's
               "G001,,W1,",  # not a party member
               "P001,,NOPE,",  # no such household
               "P002,,E1,",  # a member of a cell outside the manager's area
               ",,W1,")  # no member given
    report = post(manager, data, commit=True)
    assert report.status_code == 422
    problems = {p["where"]: p["reason"]
                for p in report.json()["details"]["report"]["invalid_problems"]}
    assert "is in cell " + MIDDLE_CODE in problems["row 2"]
    assert "not a serving party member" in problems["row 3"]
    assert "no household NOPE" in problems["row 4"]
    assert "not a serving party member" in problems["row 5"]  # row-level security hides P002
    assert "staff number" in problems["row 6"]
    assert manager.get(f"/staff/{world['west']}").json()["households"] == []


def test_the_staff_detail_of_other_staff_has_no_households(manager, world):
    assert manager.get(f"/staff/{world['worker']}").json()["households"] == []
