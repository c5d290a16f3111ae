"""Importing regions: dry-run report, commit, hierarchy, repairs, rejections, all-or-nothing."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import text

from gis.errors import InvalidInput
from gis.ingest.service import ImportOptions, import_regions
from tests.gis.ingest_samples import (
    DISTRICT,
    EAST,
    FORMATS,
    TOWN,
    WEST,
    hierarchy_frame,
    write_sample,
)


def region_count(db) -> int:
    return db.execute(text("SELECT count(*) FROM regions")).scalar()


@pytest.mark.parametrize("fmt", FORMATS)
def test_dry_run_reports_inserts_and_writes_nothing(db, tmp_path, fmt):
    path = write_sample(tmp_path, hierarchy_frame(), fmt)
    report = import_regions(db, path=path)
    assert (report.features_read, report.valid, report.rejected) == (4, 4, [])
    assert report.regions.inserted == 4
    assert report.columns["code"] == "代码" and report.columns["name"] == "名称"
    assert report.committed is False
    assert region_count(db) == 0


def test_commit_stores_the_hierarchy_parents_inferred_from_codes(db, tmp_path):
    path = write_sample(tmp_path, hierarchy_frame(), "geojson")
    report = import_regions(db, path=path, commit=True)
    rows = db.execute(text("SELECT code, level, parent_code, urban FROM regions ORDER BY code")
                      ).all()
    assert report.committed
    assert [tuple(r) for r in rows] == [
        (DISTRICT, "district", None, None), (TOWN, "town", DISTRICT, None),
        (WEST, "village", TOWN, False), (EAST, "village", TOWN, True)]


def test_second_import_reports_updated_and_unchanged_with_geometry_flag(db, tmp_path):
    import_regions(db, path=write_sample(tmp_path, hierarchy_frame(), "geojson"), commit=True)
    frame = hierarchy_frame()
    frame.loc[0, "geometry"] = box(106.0, 29.8, 106.11, 30.0)   # west village grows
    frame.loc[3, "名称"] = "铜梁区(新)"                            # district renamed
    (tmp_path / "v2").mkdir()
    report = import_regions(db, path=write_sample(tmp_path / "v2", frame, "gpkg"))
    by_code = {c.code: c for c in report.regions.regions}
    assert (report.regions.inserted, report.regions.updated, report.regions.unchanged) == (0, 2, 2)
    assert by_code[WEST].action == "update" and by_code[WEST].geometry_changed
    assert by_code[DISTRICT].action == "update" and not by_code[DISTRICT].geometry_changed
    assert by_code[EAST].action == "unchanged"


def test_village_without_its_town_is_rejected_with_the_missing_code(db, tmp_path):
    frame = hierarchy_frame().iloc[[0, 3]]   # west village and the district, no town
    report = import_regions(db, path=write_sample(tmp_path, frame, "geojson"))
    assert [(r.index, r.field) for r in report.rejected] == [(0, "code")]
    assert f"parent town {TOWN}" in report.rejected[0].reason
    assert report.regions.inserted == 1


def test_parent_already_in_the_database_is_enough(db, tmp_path):
    import_regions(db, path=write_sample(tmp_path, hierarchy_frame().iloc[[2, 3]], "geojson"),
                   commit=True)
    (tmp_path / "v").mkdir()
    report = import_regions(db, path=write_sample(tmp_path / "v", hierarchy_frame().iloc[[0]],
                                                  "geojson"), commit=True)
    assert report.rejected == [] and report.regions.inserted == 1


def test_field_problems_name_the_feature_and_the_column(db, tmp_path):
    frame = hierarchy_frame()
    frame.loc[0, "代码"] = "5001510010"       # 10 digits
    frame.loc[1, "名称"] = "  "
    frame["级别"] = ["村", "社区", "区县", "区县"]  # the town says district
    report = import_regions(db, path=write_sample(tmp_path, frame, "csv"))
    found = {(r.index, r.field): r.reason for r in report.rejected}
    assert "not a 12-digit" in found[(0, "代码")]
    assert found[(1, "名称")] == "name is empty"
    assert "does not match code 500151001000, which is a town code" in found[(2, "级别")]


def test_bowtie_is_repaired_and_the_report_says_how(db, tmp_path):
    frame = hierarchy_frame()
    frame.loc[0, "geometry"] = Polygon([(106.0, 29.8), (106.1, 30.0), (106.1, 29.8),
                                        (106.0, 30.0)])
    report = import_regions(db, path=write_sample(tmp_path, frame, "geojson"), commit=True)
    assert [r.index for r in report.repaired] == [0]
    assert "Self-intersection at 106.05 29.9" in report.repaired[0].reason
    assert "1 polygon(s) became 2" in report.repaired[0].how
    parts = db.execute(text("SELECT ST_NumGeometries(geom) FROM regions WHERE code = :c"),
                       {"c": WEST}).scalar()
    assert parts == 2


def test_empty_and_non_polygon_geometries_are_rejected(db, tmp_path):
    frame = hierarchy_frame()
    frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), crs=4326, geometry=[
        Polygon(), box(106.1, 29.8, 106.2, 30.0).exterior, *frame.geometry[2:]])
    report = import_regions(db, path=write_sample(tmp_path, frame, "gpkg"))
    reasons = {r.index: r.reason for r in report.rejected}
    assert reasons[0] in ("empty geometry", "no geometry")
    assert reasons[1] == "a LinearRing, not a polygon" or "LineString" in reasons[1]


def test_one_bad_feature_means_nothing_is_committed(db, tmp_path):
    frame = hierarchy_frame()
    frame.loc[1, "代码"] = "bad"
    path = write_sample(tmp_path, frame, "geojson")
    with pytest.raises(InvalidInput, match=r"1 of 4 features rejected .*#1 \[代码\].*nothing "
                                           r"was written.*--skip-invalid") as caught:
        import_regions(db, path=path, commit=True)
    assert caught.value.details["report"]["rejected"][0]["index"] == 1
    assert region_count(db) == 0


def test_skip_invalid_commits_the_good_ones(db, tmp_path):
    frame = hierarchy_frame()
    frame.loc[1, "代码"] = "bad"
    report = import_regions(db, path=write_sample(tmp_path, frame, "geojson"), commit=True,
                            options=ImportOptions(skip_invalid=True))
    assert report.committed and len(report.rejected) == 1
    assert region_count(db) == 3


def test_no_code_column_is_a_file_error_saying_how_to_name_it(db, tmp_path):
    frame = hierarchy_frame().rename(columns={"代码": "whatever"})
    with pytest.raises(InvalidInput, match="no code column found.*--code-column"):
        import_regions(db, path=write_sample(tmp_path, frame, "geojson"))
    report = import_regions(db, path=write_sample(tmp_path, frame, "gpkg"),
                            options=ImportOptions(code_column="whatever"))
    assert report.valid == 4
