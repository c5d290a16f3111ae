"""Intake: a report located under the generation in force, routed to the category's
department and the cell's team, nearest staff by straight line, duplicates offered."""
from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import box
from sqlalchemy import text

from gis.crs.offsets import wgs84_to_gcj02
from gis.errors import InvalidInput, PermissionDenied
from gis.settings import IncidentSettings
from tests.factories import TOWN, VILLAGE, add_cell, add_generation
from tests.grid_fixtures import CHINA_SOUTH, CHINA_WEST
from tests.incident_fixtures import (
    EAST_CELL,
    THURSDAY,
    WEST_CELL,
    WEST_POINT,
    as_caller,
    principal,
    report,
)

METRE = 1 / 111_000  # degrees of latitude


def test_a_report_is_located_routed_and_logged(db, dispatch_world, logins):
    as_caller(db, patrol := principal("grid_worker", WEST_CELL), logins)
    out = report(db, patrol, description="占道经营 at the market gate")

    assert out["status"] == "reported" and out["code"].startswith("SJ20261008")
    assert out["cell_code"] == WEST_CELL and out["village_code"] == VILLAGE
    assert out["town_code"] == TOWN and out["located"]["district"]["code"] == "500151000000"
    assert out["department"].startswith("城管") and out["triage"] == "minor"
    assert out["time_limit"] == {"hours": 12.0, "counted_in": "clock hours"}
    assert [s["role_code"] for s in out["staff_on_duty"]["staff"]] == ["grid_head",
                                                                      "fulltime_worker"]
    nearest = out["nearest_staff"]
    assert nearest["distance_kind"] == "straight" and "no road network" in \
        nearest["straight_because"]
    assert [s["name"] for s in nearest["staff"]] == ["王网格长", "李网格员"]
    assert nearest["staff"][0]["distance_m"] == pytest.approx(111, abs=2)
    log = db.execute(text("SELECT action, to_status, actor FROM incident_transitions"
                          " WHERE incident_id = :id"), {"id": out["id"]}).all()
    assert log == [("report", "reported", patrol.username)]


def test_a_gcj02_point_from_a_phone_lands_in_the_same_cell(db, dispatch_world, logins):
    as_caller(db, who := principal("dispatcher", VILLAGE), logins)
    lon, lat = wgs84_to_gcj02([WEST_POINT[0]], [WEST_POINT[1]])
    out = report(db, who, point=(float(lon[0]), float(lat[0])), crs="gcj02")
    assert out["cell_code"] == WEST_CELL
    assert out["located"]["lon"] == pytest.approx(WEST_POINT[0], abs=1e-6)


def test_the_generation_in_force_at_the_report_time_places_it(db, dispatch_world, logins):
    # The grid was redrawn on 2026-07-01: one new cell (…003) covers the whole village.
    old = dispatch_world["generation"]
    db.execute(text("UPDATE grid_generations SET status = 'retired', effective_to ="
                    " DATE '2026-06-30' WHERE id = :g"), {"g": old})
    db.execute(text("UPDATE grid_cells SET generation_high = :g WHERE generation_low = :g"),
               {"g": old})
    new = add_generation(db, name="2026-07")
    db.execute(text("UPDATE grid_generations SET effective_from = DATE '2026-07-01'"
                    " WHERE id = :g"), {"g": new})
    add_cell(db, code=VILLAGE + "003", generation=new,
             geom=box(CHINA_WEST, CHINA_SOUTH, CHINA_WEST + 0.02, CHINA_SOUTH + 0.01))
    db.flush()
    as_caller(db, who := principal("dispatcher"), logins)
    late_report = report(db, who, reported_at=dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC))
    today = report(db, who, category="emergency")
    assert (late_report["cell_code"], late_report["generation"]) == (WEST_CELL, old)
    assert (today["cell_code"], today["generation"]) == (VILLAGE + "003", new)


def test_probable_duplicates_are_offered_not_merged(db, dispatch_world, logins):
    as_caller(db, who := principal("dispatcher", VILLAGE), logins)
    first = report(db, who)
    x, y = WEST_POINT
    near = report(db, who, point=(x, y + 30 * METRE), now=THURSDAY + dt.timedelta(hours=3))
    far = report(db, who, point=(x, y - 80 * METRE))  # 110 m from `near`
    other_kind = report(db, who, point=(x, y + 10 * METRE), category="emergency")
    next_day = report(db, who, point=(x, y + 10 * METRE), now=THURSDAY + dt.timedelta(hours=25))

    assert [d["code"] for d in near["probable_duplicates"]] == [first["code"]]
    assert near["probable_duplicates"][0]["distance_m"] == pytest.approx(30, abs=1)
    assert far["probable_duplicates"] == [] and other_kind["probable_duplicates"] == []
    assert [d["code"] for d in next_day["probable_duplicates"]] == [near["code"]]  # 22 h
    assert db.execute(text("SELECT count(*) FROM incidents WHERE duplicate_of IS NOT NULL")
                      ).scalar() == 0
    wider = report(db, who, point=(x, y - 60 * METRE),
                   settings=IncidentSettings(duplicate_radius_m=100))
    assert {d["code"] for d in wider["probable_duplicates"]} >= {first["code"], far["code"]}


def test_a_report_outside_the_callers_area_is_refused(db, dispatch_world, logins):
    as_caller(db, east_worker := principal("grid_worker", EAST_CELL), logins)
    with pytest.raises(PermissionDenied, match=f"cell {WEST_CELL}, outside"):
        report(db, east_worker)


def test_an_unknown_category_says_where_to_look(db, dispatch_world, logins):
    as_caller(db, who := principal("dispatcher"), logins)
    with pytest.raises(InvalidInput, match="GET /incidents/categories"):
        report(db, who, category="potholes")


def test_a_building_id_places_the_report_at_the_building(db, dispatch_world, logins):
    building = db.execute(text(
        "INSERT INTO buildings (address, geom) VALUES ('1组 3号',"
        " ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"),
        {"x": WEST_POINT[0] + 0.008, "y": WEST_POINT[1]}).scalar_one()
    as_caller(db, who := principal("dispatcher"), logins)
    from gis.incidents import intake
    from gis.incidents.schemas import IncidentReport
    out = intake.report(db, principal=who, settings=IncidentSettings(), now=THURSDAY,
                        data=IncidentReport(source="hotline", category="emergency",
                                            building_id=building, external_ref="12345-001"))
    assert out["cell_code"] == EAST_CELL and out["source"] == "hotline"


def test_a_case_written_by_any_path_gets_its_chain_from_its_cell(db, dispatch_world):
    # as the demo's bulk load does: insert without a cell, then set the cell
    case_id = db.execute(text(
        "INSERT INTO incidents (code, category_id, source, status, title, geom, reported_at,"
        " dispatched_at, due_at) SELECT 'SJ-demo', k.id, 'camera', 'dispatched', 'x',"
        " ST_SetSRID(ST_MakePoint(106.045, 29.845), 4326), :at, :at, :due"
        " FROM incident_categories k WHERE k.code = 'street_order.vendor' RETURNING id"),
        {"at": THURSDAY, "due": THURSDAY + dt.timedelta(hours=12)}).scalar_one()
    db.execute(text("UPDATE incidents SET cell_id = :c WHERE id = :id"),
               {"c": dispatch_world["east"], "id": case_id})
    row = db.execute(text("SELECT cell_code, village_code, town_code, district_code,"
                          " generation_id, department, yellow_at FROM incidents"
                          " WHERE id = :id"), {"id": case_id}).one()
    assert row[:5] == (EAST_CELL, VILLAGE, TOWN, "500151000000", dispatch_world["generation"])
    assert row.department.startswith("城管")
    assert row.yellow_at == THURSDAY + dt.timedelta(hours=9)


def test_what_is_stored_is_what_the_answer_says(db, dispatch_world, logins):
    as_caller(db, who := principal("dispatcher", VILLAGE), logins)
    out = report(db, who, title="摊位占道", description="两个摊位", external_ref="12345-7",
                 media_url="https://example.org/p.jpg", address="1组 3号",
                 reporter={"phone": "13800000000"})
    row = db.execute(text(
        "SELECT code, status, level, version, title, description, department, triage,"
        " external_ref, media_url, address, reporter, cell_code, village_code, town_code,"
        " district_code, generation_id, reported_at, ST_X(geom) AS x, ST_Y(geom) AS y"
        " FROM incidents WHERE id = :id"), {"id": out["id"]}).mappings().one()
    assert row["code"] == f"SJ20261008{out['id']:06d}" == out["code"]
    assert {k: row[k] for k in ("status", "level", "version", "title", "description",
                                "department", "triage", "external_ref", "media_url",
                                "address", "cell_code", "village_code", "town_code",
                                "district_code", "reported_at")} == \
        {k: out[k] for k in ("status", "level", "version", "title", "description",
                             "department", "triage", "external_ref", "media_url", "address",
                             "cell_code", "village_code", "town_code", "district_code",
                             "reported_at")}
    assert row["generation_id"] == out["generation"] == dispatch_world["generation"]
    assert row["reporter"] == {"phone": "13800000000"} and (row["x"], row["y"]) == WEST_POINT
    log = db.execute(text("SELECT from_status, to_status, level, action, role, note, at"
                          " FROM incident_transitions WHERE incident_id = :id"),
                     {"id": out["id"]}).all()
    assert log == [(None, "reported", "village", "report", "dispatcher", "source: patrol",
                    THURSDAY)]


def test_a_case_number_past_six_digits_keeps_every_digit(db, dispatch_world, logins):
    # the code pads the id to six digits, and never cuts a longer one
    db.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), 1234566)"))
    as_caller(db, who := principal("dispatcher"), logins)
    out = report(db, who)
    assert (out["id"], out["code"]) == (1234567, "SJ202610081234567")
    assert db.execute(text("SELECT code FROM incidents WHERE id = 1234567")).scalar() == \
        "SJ202610081234567"
