"""The upload endpoints carry the datum check, the coverage check and the shared options."""
from __future__ import annotations

import json

from gis.crs import wgs84_to_gcj02
from tests.api.test_imports import count, upload
from tests.gis.ingest_samples import write_sample
from tests.gis.test_ingest_coverage import province_with_holes
from tests.gis.test_ingest_crs import shifted
from tests.gis.test_ingest_datum import tongliang  # noqa: F401 (fixture)
from tests.gis.test_people_ingest_geometry import BOWTIES, COLLAPSED, VALID, footprints


def test_a_gcj02_upload_is_refused_until_crs_is_given(client, db, tmp_path, tongliang):  # noqa: F811
    path = write_sample(tmp_path, shifted(tongliang, wgs84_to_gcj02), "geojson")
    refused = upload(client, "/imports/regions", path, commit=True)
    assert refused.status_code == 422 and "--crs gcj02" in refused.json()["message"]
    assert refused.json()["details"]["report"]["datum"]["best"] == "gcj02"
    assert count(db, "regions") == 0
    done = upload(client, "/imports/regions", path, commit=True, crs="gcj02")
    assert done.status_code == 200, done.text
    assert count(db, "regions") == 1


def test_the_dry_run_lists_the_gaps_with_areas_and_geojson(client, tmp_path):
    response = upload(client, "/imports/regions",
                      write_sample(tmp_path, province_with_holes(), "geojson"))
    coverage = response.json()["coverage"]
    assert coverage["gaps"] == 4
    assert all(p["geometry"]["type"] == "Polygon" and p["area_m2"] > 20_000
               for p in coverage["problems"])


def test_people_upload_takes_skip_invalid_and_repair(client, db, three_cells, tmp_path):
    path = tmp_path / "b.geojson"
    path.write_bytes(footprints())
    response = upload(client, "/imports/people/buildings", path, commit=True,
                      skip_invalid=True, repair=False)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["stored"] == VALID and report["invalid_rows"] == BOWTIES + COLLAPSED
    assert json.dumps(report["invalid_problems"][0], ensure_ascii=False).count("feature") == 1
