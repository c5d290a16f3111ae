"""The staffing audit, rule by rule: hand-built cells that pass and fail at each boundary."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from shapely.geometry import box
from sqlalchemy import text

from gis.auth.principal import Principal
from gis.people import rollups
from gis.staff.audit import run_audit
from gis.staff.standards import load_standards
from tests.factories import DISTRICT, PLACE_OWN, add_cell, add_region
from tests.people_fixtures import (
    EAST_CODE,
    MIDDLE_CODE,
    NORTH,
    SOUTH,
    WEST_CODE,
    add_household,
    add_person,
    make_id,
)
from tests.staff_fixtures import hire

TODAY = dt.date(2026, 6, 15)
ADMIN = Principal(username="root", permissions=frozenset({"*"}))
OTHER_TOWN = "500151002000"
OTHER_VILLAGE = "500151002001"
OTHER_CELL = OTHER_VILLAGE + "001"


def standards(**changes):
    """The shipped standards with some numbers changed: standards(grid_head={...})."""
    shipped = load_standards().model_dump()
    for rule, values in changes.items():
        shipped[rule] |= values
    return type(load_standards()).model_validate(shipped)


def households(db, cell_id: int, n: int) -> list[int]:
    ids = []
    for k in range(n):
        h = add_household(db, lon=106.005, lat=29.805, external_id=f"H{cell_id}-{k}")
        db.execute(PLACE_OWN, {"c": cell_id, "h": h})  # placed by hand in the cell
        db.execute(text("UPDATE households SET located_by = 'manual' WHERE id = :h"),
                   {"h": h})
        ids.append(h)
    rollups.refresh_cells(db, cell_ids=[cell_id])
    return ids


def high_concern(db, household: int, *, seq: str, helper: int | None,
                 visited: dt.date | None, level: str = "high") -> None:
    person = add_person(db, household_id=household, name="某人", id_number=make_id(seq=seq))
    db.execute(text(
        "INSERT INTO special_population_records (person_id, category_code, concern_level, "
        "helper_staff_id, last_visited_on) VALUES (:p, 'mental_disorder', :l, :h, :v)"),
        {"p": person, "l": level, "h": helper, "v": visited})


def audit(db, rules=None, **kw):
    return run_audit(db, principal=kw.pop("principal", ADMIN), today=TODAY,
                     standards=rules or standards(), **kw)


def cell(result, code):
    return next(c for c in result["cells"] if c["code"] == code)


def rule(result, code):
    return next(r for r in result["rules"] if r["rule"] == code)


def test_grid_head_and_fulltime_worker_minimums(db, three_cells):
    hire(db, name="甲", cells=[WEST_CODE], role="grid_head")
    hire(db, name="乙", cells=[WEST_CODE], role="fulltime_worker")
    hire(db, name="丙", cells=[MIDDLE_CODE], role="fulltime_worker")
    result = audit(db)
    assert cell(result, WEST_CODE)["pass_grid_head"] is True
    assert cell(result, MIDDLE_CODE)["pass_grid_head"] is False
    assert cell(result, MIDDLE_CODE)["pass_fulltime_worker"] is True
    assert cell(result, EAST_CODE)["failed_rules"] == ["grid_head", "fulltime_worker"]
    assert (rule(result, "grid_head")["checked"], rule(result, "grid_head")["failed"]) == (3, 2)
    # two grid heads required: the west cell, with one, now fails too
    stricter = audit(db, standards(grid_head={"min_per_cell": 2}))
    assert cell(stricter, WEST_CODE)["pass_grid_head"] is False
    assert cell(stricter, WEST_CODE)["vacancies"] == 1


def test_an_ended_or_future_assignment_does_not_count(db, three_cells):
    hire(db, name="离任", cells=[WEST_CODE], role="grid_head", since=dt.date(2025, 1, 1),
         until=TODAY - dt.timedelta(days=1))
    hire(db, name="未到", cells=[MIDDLE_CODE], role="grid_head",
         since=TODAY + dt.timedelta(days=1))
    hire(db, name="今天最后一天", cells=[EAST_CODE], role="grid_head",
         since=dt.date(2025, 1, 1), until=TODAY)
    result = audit(db)
    assert [cell(result, c)["grid_heads"] for c in (WEST_CODE, MIDDLE_CODE, EAST_CODE)] == [
        0, 0, 1]


def test_households_per_fulltime_worker_at_the_boundary(db, three_cells):
    households(db, three_cells["west"], 2)
    households(db, three_cells["middle"], 3)
    for code in (WEST_CODE, MIDDLE_CODE):
        hire(db, name="专职", cells=[code], role="fulltime_worker")
    result = audit(db, standards(households_per_fulltime={"max_households": 2}))
    west, middle = cell(result, WEST_CODE), cell(result, MIDDLE_CODE)
    assert (west["households"], west["pass_households_per_fulltime"]) == (2, True)
    assert (middle["households"], middle["pass_households_per_fulltime"]) == (3, False)
    assert middle["households_per_fulltime"] == 3 and middle["fulltime_needed"] == 2
    assert middle["vacancies"] == 1 + 1  # one more full-time worker, and no grid head
    overloaded = {w["name"]: w["households_load"] for w in result["workers"]}
    assert overloaded == {"专职": 3}


def test_high_concern_helper_and_visit_at_the_boundary(db, three_cells):
    helper = hire(db, name="帮扶人", cells=[WEST_CODE], role="fulltime_worker")
    west = households(db, three_cells["west"], 1)[0]
    middle = households(db, three_cells["middle"], 1)[0]
    high_concern(db, west, seq="111", helper=helper, visited=TODAY - dt.timedelta(days=7))
    high_concern(db, middle, seq="113", helper=None, visited=TODAY - dt.timedelta(days=8))
    high_concern(db, middle, seq="115", helper=None, visited=None, level="medium")
    rollups.refresh_cells(db, cell_ids=[three_cells["west"], three_cells["middle"]])
    result = audit(db)
    w, m = cell(result, WEST_CODE), cell(result, MIDDLE_CODE)
    assert (w["high_concern"], w["pass_high_concern_helper"], w["pass_high_concern_visit"]) == (
        1, True, True)
    assert (m["high_concern"], m["high_concern_without_helper"],
            m["high_concern_overdue_visit"]) == (1, 1, 1)  # the medium one is not counted
    assert m["failed_rules"][-2:] == ["high_concern_helper", "high_concern_visit"]
    assert (w["helpers"], w["special_per_helper"]) == (1, 1)
    assert "last_visited_on" in rule(result, "high_concern_visit")["source"]


def test_party_member_only_in_cells_above_the_size(db, three_cells):
    households(db, three_cells["west"], 2)
    households(db, three_cells["middle"], 3)
    households(db, three_cells["east"], 3)
    hire(db, name="党员", cells=[EAST_CODE], role="party_member")
    result = audit(db, standards(party_member={"min_households": 2}))
    assert [cell(result, c)["pass_party_member"] for c in (WEST_CODE, MIDDLE_CODE, EAST_CODE)
            ] == [None, False, True]
    assert (rule(result, "party_member")["checked"], rule(result, "party_member")["failed"]) == (
        2, 1)


@pytest.fixture()
def second_town(db, three_cells):
    area = box(106.03, SOUTH, 106.04, NORTH)
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=area)
    add_region(db, code=OTHER_VILLAGE, level="village", parent=OTHER_TOWN, geom=area)
    add_cell(db, code=OTHER_CELL, geom=area, generation=three_cells["generation"],
             village=OTHER_VILLAGE)


def test_no_worker_in_two_towns(db, second_town):
    hire(db, name="跨镇", cells=[WEST_CODE, OTHER_CELL], role="parttime_worker")
    hire(db, name="同镇", cells=[MIDDLE_CODE, EAST_CODE], role="parttime_worker")
    result = audit(db)
    assert [cell(result, c)["pass_one_town_per_worker"]
            for c in (WEST_CODE, MIDDLE_CODE, EAST_CODE, OTHER_CELL)] == [False, True, True, False]
    assert [(w["name"], w["in_several_towns"]) for w in result["workers"]] == [("跨镇", True)]
    towns = {r["code"]: r for r in result["regions"] if r["level"] == "town"}
    assert (towns["500151001000"]["fail_one_town_per_worker"],
            towns["500151002000"]["cells"]) == (1, 1)


def test_disabled_rules_fail_nothing_and_an_area_without_cases_has_no_workload(db,
                                                                              three_cells):
    off = standards(grid_head={"enabled": False}, fulltime_worker={"enabled": False},
                    households_per_fulltime={"enabled": False})
    result = audit(db, off)
    assert rule(result, "grid_head")["status"] == "disabled"
    assert all(c["rules_failed"] == 0 and c["vacancies"] == 0 for c in result["cells"])
    assert result["workload"]["totals"]["open_cases"] == 0
    assert result["workload"]["totals"]["closure_rate"] is None  # no case: no rate, not 0%
    assert result["workload"]["workers"] == []


def test_the_audit_keeps_to_the_callers_area(db, second_town):
    scoped = Principal(username="mgr", permissions=frozenset({"audit:read"}),
                       region_codes=(OTHER_TOWN,), everywhere=False)
    result = audit(db, principal=scoped)
    assert [c["code"] for c in result["cells"]] == [OTHER_CELL]
    assert {r["code"] for r in result["regions"]} == {"500151000000", OTHER_TOWN, OTHER_VILLAGE}


def test_trends_follow_assignment_history(db, three_cells):
    hire(db, name="去年", cells=[WEST_CODE], role="grid_head", since=dt.date(2025, 1, 1),
         until=dt.date(2026, 3, 31))
    hire(db, name="四月起", cells=[MIDDLE_CODE, EAST_CODE], role="grid_head",
         since=dt.date(2026, 4, 1))
    months = {t["month"]: t for t in audit(db)["trends"]}
    assert len(months) == 12 and min(months) == "2025-07"
    assert months["2026-03"]["cells_with_grid_head"] == 1
    assert months["2026-04"]["cells_with_grid_head"] == 2
    assert months["2026-06"]["vacancies"] == 1 + 3  # the west grid head, three full-time


def test_bad_standards_are_refused_naming_the_key(tmp_path):
    from gis.errors import InvalidInput

    path = tmp_path / "s.toml"
    shipped = (Path(__file__).resolve().parents[2] / "gis/staff/standards.toml").read_text()
    path.write_text(shipped.replace("min_per_cell = 1", "min_per_cell = -1", 1),
                    encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_standards(path)
    assert "grid_head.min_per_cell" in raised.value.message
    path.write_text(shipped + "\n[surprise]\nx = 1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="surprise"):
        load_standards(path)


def look_after(db, staff: int, cell_code: str, household_ids: list[int],
               until: dt.date | None = None) -> None:
    for h in household_ids:
        db.execute(text("INSERT INTO party_households (staff_id, cell_code, household_id, "
                        "valid_from, valid_to) VALUES (:s, :c, :h, DATE '2026-01-01', :t)"),
                   {"s": staff, "c": cell_code, "h": h, "t": until})


def test_households_per_party_member_at_the_boundary(db, three_cells):
    west = households(db, three_cells["west"], 3)
    middle = households(db, three_cells["middle"], 3)
    east = households(db, three_cells["east"], 3)
    two = hire(db, name="两户", cells=[WEST_CODE], role="party_member", party_member=True)
    look_after(db, two, WEST_CODE, west[:2])
    three = hire(db, name="三户", cells=[MIDDLE_CODE], role="party_member", party_member=True)
    look_after(db, three, MIDDLE_CODE, middle)
    # in the east: a member whose third link ended yesterday, and one who left the cell
    ended = hire(db, name="已结束", cells=[EAST_CODE], role="party_member", party_member=True)
    look_after(db, ended, EAST_CODE, east[:2])
    look_after(db, ended, EAST_CODE, east[2:], until=TODAY - dt.timedelta(days=1))
    gone = hire(db, name="已离开", cells=[EAST_CODE], role="party_member", party_member=True,
                since=dt.date(2025, 1, 1), until=TODAY - dt.timedelta(days=1))
    look_after(db, gone, EAST_CODE, east)
    result = audit(db, standards(households_per_party_member={"max_households": 2}))
    w, m, e = (cell(result, c) for c in (WEST_CODE, MIDDLE_CODE, EAST_CODE))
    assert (w["party_households"], w["pass_households_per_party_member"]) == (2, True)
    assert (m["party_households"], m["pass_households_per_party_member"]) == (3, False)
    assert (e["party_members"], e["party_households"]) == (1, 2)
    assert e["pass_households_per_party_member"] is True
    assert "households_per_party_member" in m["failed_rules"]
    assert (w["households_per_party_member"], m["households_per_party_member"]) == (2, 3)
    assert (rule(result, "households_per_party_member")["checked"],
            rule(result, "households_per_party_member")["failed"]) == (3, 1)
