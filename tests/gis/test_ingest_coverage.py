"""Every imported layer is checked as a coverage (issue 11, finding 4): gaps, overlaps and
children outside their parent, with areas in m² and GeoJSON locations, in the dry-run report."""
from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import box, shape

from gis.ingest.service import import_layer, import_regions
from tests.gis.ingest_samples import legacy_frame, write_sample

GEOD = Geod(ellps="WGS84")
# Half-sides (degrees) of the four holes cut at the four inner corners of a 3 x 3 block of
# 0.1-degree districts: 0.02-0.46 km², as in the issue.
HALF_SIDES = (0.0007, 0.0015, 0.0025, 0.00325)
CORNERS = ((106.1, 29.7), (106.2, 29.7), (106.1, 29.8), (106.2, 29.8))


def area_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def province_with_holes() -> gpd.GeoDataFrame:
    holes = [box(x - h, y - h, x + h, y + h) for (x, y), h in zip(CORNERS, HALF_SIDES,
                                                                   strict=True)]
    districts = []
    for i in range(3):
        for j in range(3):
            cell = box(106.0 + 0.1 * i, 29.6 + 0.1 * j, 106.1 + 0.1 * i, 29.7 + 0.1 * j)
            for hole in holes:
                cell = cell.difference(hole)
            districts.append(cell)
    codes = [f"5001{n:02d}" for n in range(1, 10)]
    return gpd.GeoDataFrame({"代码": codes, "名称": [f"区{c}" for c in codes]},
                            geometry=districts, crs=4326)


def test_four_holes_between_districts_are_four_gaps_with_their_areas(db, tmp_path):
    report = import_regions(db, path=write_sample(tmp_path, province_with_holes(), "geojson"))
    gaps = sorted((p for p in report.coverage.problems if p.kind == "gap"),
                  key=lambda p: p.area_m2)
    assert report.coverage.gaps == 4 and len(gaps) == 4
    assert report.coverage.overlaps == 0 and report.coverage.outside_parent == 0
    for gap, (x, y), half in zip(gaps, CORNERS, HALF_SIDES, strict=True):
        expected = area_m2(box(x - half, y - half, x + half, y + half))
        assert gap.area_m2 == pytest.approx(expected, rel=0.01)
        assert gap.level == "district"
        centre = shape(gap.geometry).centroid
        assert (centre.x, centre.y) == pytest.approx((x, y), abs=1e-6)
    assert gaps[0].area_m2 > 20_000 and gaps[-1].area_m2 < 460_000
    assert "4 gaps" in report.summary()


def test_overlapping_villages_and_a_village_outside_its_town_are_reported(db, tmp_path):
    town = box(106.0, 29.8, 106.2, 30.0)
    frame = gpd.GeoDataFrame(
        {"代码": ["500151001000", "500151001001", "500151001002", "500151000000"],
         "名称": ["巴川街道", "西村", "东社区", "铜梁区"]},
        geometry=[town, box(106.0, 29.8, 106.11, 30.0),   # 0.01 degree over the east one
                  box(106.1, 29.8, 106.21, 30.0),          # and 0.01 degree out of the town
                  town], crs=4326)
    report = import_regions(db, path=write_sample(tmp_path, frame, "geojson"))
    by_kind = {p.kind: p for p in report.coverage.problems}
    overlap = by_kind["overlap"]
    assert overlap.codes == ["500151001001", "500151001002"] and overlap.features == [1, 2]
    assert overlap.area_m2 == pytest.approx(area_m2(box(106.1, 29.8, 106.11, 30.0)), rel=0.01)
    outside = by_kind["outside_parent"]
    assert outside.codes == ["500151001002", "500151001000"]
    assert outside.area_m2 == pytest.approx(area_m2(box(106.2, 29.8, 106.21, 30.0)), rel=0.01)
    assert "gap" not in by_kind  # the two villages cover the town


def test_a_town_its_villages_do_not_cover_has_a_gap(db, tmp_path):
    frame = gpd.GeoDataFrame(
        {"代码": ["500151001000", "500151001001", "500151000000"],
         "名称": ["巴川街道", "西村", "铜梁区"]},
        geometry=[box(106.0, 29.8, 106.2, 30.0), box(106.0, 29.8, 106.1, 30.0),
                  box(106.0, 29.8, 106.2, 30.0)], crs=4326)
    report = import_regions(db, path=write_sample(tmp_path, frame, "geojson"))
    [gap] = [p for p in report.coverage.problems if p.kind == "gap"]
    assert gap.level == "village" and gap.codes == ["500151001000"]
    assert gap.area_m2 == pytest.approx(area_m2(box(106.1, 29.8, 106.2, 30.0)), rel=0.01)


def test_a_departmental_layer_is_checked_as_a_coverage(db, tmp_path):
    cells = [box(106.0, 29.8, 106.1, 29.9), box(106.1, 29.8, 106.2, 29.9),
             box(106.0, 29.9, 106.1, 30.0), box(106.1, 29.9, 106.2, 30.0).difference(
                 box(106.1, 29.9, 106.11, 29.91)),                      # a hole at the centre
             box(106.15, 29.85, 106.16, 29.86)]                        # on top of cell 1
    report = import_layer(db, path=write_sample(tmp_path, legacy_frame(cells), "geojson"),
                          department="综治")
    kinds = sorted(p.kind for p in report.coverage.problems)
    assert kinds == ["gap", "overlap"]
    overlap = next(p for p in report.coverage.problems if p.kind == "overlap")
    assert overlap.features == [1, 4] and overlap.codes == ["ZZ-01", "ZZ-04"]


def test_a_clean_tiling_reports_no_problem(db, tmp_path):
    report = import_layer(db, path=write_sample(tmp_path, legacy_frame(
        [box(106.0, 29.8, 106.1, 29.9), box(106.1, 29.8, 106.2, 29.9)]), "geojson"),
        department="综治")
    assert report.coverage.problems == [] and "coverage: no gaps" in report.summary()
