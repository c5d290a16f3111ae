"""Imports of buildings, households, persons and special populations (CSV, XLSX, GeoJSON)."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from gis.errors import CoordinateError, InvalidInput
from gis.people.ingest.service import import_people
from tests.conftest import scalar
from tests.factories import PLACE_OWN
from tests.people_fixtures import MIDDLE_CODE, TEST_SECRET, WEST_CODE, add_household, make_id

LAT = 29.805


def run(db, kind, data, filename, **kw):
    return import_people(db, kind=kind, data=data, filename=filename, secret_key=TEST_SECRET,
                         **kw)


def csv_bytes(rows: list[list]) -> bytes:
    return "\n".join(",".join(str(v) for v in row) for row in rows).encode("utf-8-sig")


def xlsx_bytes(tmp_path, rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "in.xlsx"
    book.save(path)
    return path.read_bytes()


def add_building(db, *, code, address, lon, lat):
    db.execute(text("INSERT INTO buildings (code, address, geom) VALUES "
                    "(:c, :a, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
               {"c": code, "a": address, "lon": lon, "lat": lat})


HOUSEHOLDS = [
    ["户编号", "标准地址", "经度", "纬度", "人数"],
    ["H1", "幸福路1号", 106.015, LAT, 3],      # coordinates, middle cell
    ["H2", "幸福路2号", "", "", 2],             # matched to building B2 by address (west)
    ["H3", "幸福路3号", 106.09, LAT, 1],        # outside every cell
    ["H4", "幸福路4号", "东经106", LAT, 1],      # invalid longitude
    ["H5", "幸福路1号", 106.016, LAT, 1],       # same address as H1
    ["H6", "幸福路6号", "", "", 1],             # nothing to locate it by
]


def test_household_dry_run_reports_and_writes_nothing(db, three_cells):
    add_building(db, code="B2", address="幸福路2号", lon=106.005, lat=LAT)
    report = run(db, "households", csv_bytes(HOUSEHOLDS), "hh.csv")
    assert report.rows_read == 6
    assert report.columns["external_id"] == "户编号" and report.columns["lon"] == "经度"
    assert (report.matched_by_address, report.located_by_coordinates) == (1, 2)
    assert report.assigned_to_cell == 2
    assert [(p.where, p.field) for p in report.invalid] == [("row 5", "lon")]
    assert [p.where for p in report.duplicates] == ["row 6"]
    unlocated = {p.where: p.reason for p in report.unlocated}
    assert set(unlocated) == {"row 4", "row 7"}
    assert "outside every cell" in unlocated["row 4"]
    assert not report.committed
    assert scalar(db, "SELECT count(*) FROM households") == 0


def test_commit_with_invalid_rows_writes_nothing(db, three_cells):
    report = run(db, "households", csv_bytes(HOUSEHOLDS), "hh.csv", commit=True)
    assert not report.committed and "invalid" in report.note
    assert scalar(db, "SELECT count(*) FROM households") == 0


def test_household_commit_stores_and_assigns(db, three_cells):
    add_building(db, code="B2", address="幸福路2号", lon=106.005, lat=LAT)
    good = [HOUSEHOLDS[0], HOUSEHOLDS[1], HOUSEHOLDS[2]]
    report = run(db, "households", csv_bytes(good), "hh.csv", commit=True)
    assert report.committed and report.stored == 2
    cells = dict(db.execute(text(
        "SELECT h.external_id, c.code FROM households h JOIN household_cells hc "
        "ON hc.household_id = h.id JOIN grid_cells c ON c.id = hc.cell_id"
    )).all())
    assert cells == {"H1": MIDDLE_CODE, "H2": WEST_CODE}
    assert scalar(db, "SELECT households FROM cell_rollups WHERE cell_id = :c",
                  c=three_cells["middle"]) == 1


def test_gcj02_coordinates_are_shifted_to_wgs84(db, three_cells):
    rows = [["household_id", "lng", "lat"], ["G1", 106.015, LAT]]
    report = run(db, "households", csv_bytes(rows), "gcj.csv", crs="gcj02", commit=True)
    assert report.crs.startswith("GCJ-02")
    lon = scalar(db, "SELECT ST_X(geom) FROM households WHERE external_id = 'G1'")
    assert 0.002 < abs(lon - 106.015) < 0.01  # a few hundred metres west, not the input


def test_metres_declared_as_degrees_are_refused(db, three_cells):
    rows = [["户编号", "经度", "纬度"], ["M1", 36500000.0, 3300000.0]]
    with pytest.raises(CoordinateError, match="lon/lat"):
        run(db, "households", csv_bytes(rows), "m.csv")


def test_missing_required_column_names_the_field(db, three_cells):
    with pytest.raises(InvalidInput, match="external_id"):
        run(db, "households", csv_bytes([["地址"], ["x"]]), "bad.csv")


def test_declared_mapping_wins(db, three_cells):
    rows = [["编码", "位置X", "位置Y"], ["D1", 106.005, LAT]]
    report = run(db, "households", csv_bytes(rows), "d.csv", commit=True,
                 mapping={"external_id": "编码", "lon": "位置X", "lat": "位置Y"})
    assert report.assigned_to_cell == 1


def test_persons_from_xlsx(db, three_cells, tmp_path):
    household = add_household(db, lon=106.015, lat=LAT, external_id="H1")
    good, twin = make_id(seq="111"), make_id(seq="222")
    rows = [["姓名", "公民身份号码", "户编号", "人口类型", "联系电话"],
            ["张三", good, "H1", "户籍", "13812341234"],
            ["李四", twin, "H1", "流动", None],
            ["张三", good, "H1", "户籍", None],           # same ID number again
            ["王五", 500151198001011234, "H1", "户籍", None],  # a number: Excel rounded it
            ["赵六", good[:-1] + ("0" if good[-1] != "0" else "1"), "H1", "户籍", None],
            ["钱七", make_id(seq="333"), "H9", "户籍", None]]  # no such household
    report = run(db, "persons", xlsx_bytes(tmp_path, rows), "p.xlsx")
    assert [p.where for p in report.duplicates] == ["row 4"]
    reasons = {p.where: (p.field, p.reason) for p in report.invalid}
    assert "Excel has rounded" in reasons["row 5"][1]
    assert "checksum" in reasons["row 6"][1]
    assert reasons["row 7"][0] == "household_id"
    assert report.stored == 2  # counted in the dry run, then rolled back
    report = run(db, "persons", xlsx_bytes(tmp_path, rows[:3]), "p.xlsx", commit=True)
    stored = db.execute(text("SELECT name, gender, birth_date, id_masked, household_id, "
                             "residence FROM persons ORDER BY name")).all()
    assert [(s.name, s.id_masked, s.household_id) for s in stored] == [
        ("张三", good[:3] + "*" * 11 + good[-4:], household),
        ("李四", twin[:3] + "*" * 11 + twin[-4:], household)]
    assert stored[0].gender == "M" and str(stored[0].birth_date) == "1980-01-01"
    assert scalar(db, "SELECT count(*) FROM persons WHERE id_cipher::text LIKE :v",
                  v=f"%{good}%") == 0


def test_special_populations_with_chinese_names(db, three_cells, tmp_path):
    household = add_household(db, lon=106.015, lat=LAT, external_id="H1")
    person = make_id(seq="111")
    run(db, "persons", csv_bytes([["姓名", "身份证号", "户编号"], ["张三", person, "H1"]]),
        "p.csv", commit=True)
    db.execute(PLACE_OWN,
               {"c": three_cells["middle"], "h": household})
    rows = [["身份证号", "类别", "关注程度", "走访周期"],
            [person, "社区矫正人员", "高", 7],
            [person, "community_correction", "low", 7],   # already has that category
            [person, "不存在的类别", "中", 7]]
    report = run(db, "special", csv_bytes(rows), "s.csv", commit=False)
    assert report.stored == 1 and len(report.duplicates) == 1
    assert report.invalid[0].field == "category"
    report = run(db, "special", csv_bytes(rows[:2]), "s.csv", commit=True)
    assert report.committed
    assert scalar(db, "SELECT special FROM cell_rollups WHERE cell_id = :c",
                  c=three_cells["middle"]) == {"community_correction": {"high": 1}}


def test_buildings_from_geojson_footprints(db, three_cells):
    footprint = [[106.004, 29.804], [106.006, 29.804], [106.006, 29.806], [106.004, 29.806],
                 [106.004, 29.804]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"楼栋编号": "B1", "标准地址": "幸福路1号楼"},
         "geometry": {"type": "Polygon", "coordinates": [footprint]}},
        {"type": "Feature", "properties": {"楼栋编号": "B2", "标准地址": "幸福路2号楼"},
         "geometry": {"type": "LineString", "coordinates": footprint[:2]}}]}
    report = run(db, "buildings", json.dumps(doc).encode(), "b.geojson")
    assert report.stored == 1 and report.assigned_to_cell == 1
    assert [(p.where, p.field) for p in report.invalid] == [("feature 1", "geometry")]
    assert "LineString" in report.invalid[0].reason
