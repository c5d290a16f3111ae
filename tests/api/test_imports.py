"""POST /imports/regions and /imports/layers: multipart upload, dry run unless commit=true."""
from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import text

from tests.gis.ingest_samples import (
    FORMATS,
    WEST_BOX,
    hierarchy_frame,
    legacy_frame,
    write_sample,
)


def upload(client, url, path, *, filename=None, **form):
    with path.open("rb") as handle:
        return client.post(url, files={"file": (filename or path.name, handle)},
                           data={k: str(v).lower() if isinstance(v, bool) else v
                                 for k, v in form.items()})


def count(db, table: str) -> int:
    return db.execute(text(f"SELECT count(*) FROM {table}")).scalar()


@pytest.mark.parametrize("fmt", FORMATS)
def test_upload_without_commit_is_a_dry_run_report(client, db, tmp_path, fmt):
    response = upload(client, "/imports/regions", write_sample(tmp_path, hierarchy_frame(), fmt))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["features_read"], report["valid"], report["committed"]) == (4, 4, False)
    assert report["regions"]["inserted"] == 4
    assert count(db, "regions") == 0


def test_commit_true_stores_the_regions(client, db, tmp_path):
    response = upload(client, "/imports/regions",
                      write_sample(tmp_path, hierarchy_frame(), "gpkg"), commit=True)
    assert response.status_code == 200, response.text
    assert response.json()["committed"] is True
    assert count(db, "regions") == 4


def test_commit_with_a_rejected_feature_is_422_and_writes_nothing(client, db, tmp_path):
    frame = hierarchy_frame()
    frame.loc[0, "名称"] = ""
    response = upload(client, "/imports/regions", write_sample(tmp_path, frame, "geojson"),
                      commit=True)
    assert response.status_code == 422
    body = response.json()
    assert "nothing was written" in body["message"]
    assert body["details"]["report"]["rejected"] == [
        {"index": 0, "field": "名称", "reason": "name is empty"}]
    assert count(db, "regions") == 0


def test_skip_invalid_commits_the_rest(client, db, tmp_path):
    frame = hierarchy_frame()
    frame.loc[0, "名称"] = ""
    response = upload(client, "/imports/regions", write_sample(tmp_path, frame, "geojson"),
                      commit=True, skip_invalid=True)
    assert response.status_code == 200, response.text
    assert count(db, "regions") == 3


def test_zip_with_a_traversal_member_is_refused(client, tmp_path):
    path = tmp_path / "grid.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../grid.geojson", "{}")
    response = upload(client, "/imports/regions", path)
    assert response.status_code == 422
    assert "grid.zip: refused: zip member '../../grid.geojson'" in response.json()["message"]


def test_wrong_crs_is_422_naming_the_uploaded_file(client, tmp_path):
    metres = hierarchy_frame().to_crs(4523).set_crs(4326, allow_override=True)
    response = upload(client, "/imports/regions", write_sample(tmp_path, metres, "geojson"),
                      filename="城管.geojson")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "CoordinateError"
    assert body["message"].startswith("城管.geojson: projected metres declared as degrees")


def test_client_file_name_is_never_a_path(client, tmp_path):
    response = upload(client, "/imports/regions",
                      write_sample(tmp_path, hierarchy_frame(), "geojson"),
                      filename="../../etc/regions.geojson")
    assert response.status_code == 200
    assert response.json()["source"] == "regions.geojson"


def test_layer_upload_commits_a_layer_listed_by_get_layers(client, db, tmp_path):
    path = write_sample(tmp_path, legacy_frame([WEST_BOX]), "csv", stem="应急网格")
    dry = upload(client, "/imports/layers", path, department="应急")
    assert dry.status_code == 200, dry.text
    assert dry.json()["layer_change"]["cells"] == 1 and count(db, "legacy_cells") == 0
    done = upload(client, "/imports/layers", path, department="应急", commit=True)
    layer_id = done.json()["layer_change"]["layer_id"]
    listed = client.get("/layers").json()
    assert [(x["id"], x["department"], x["name"], x["feature_count"]) for x in listed] == [
        (layer_id, "应急", "应急网格", 1)]
    attributes = db.execute(text("SELECT attributes FROM legacy_cells")).scalar()
    assert attributes["网格编码"] == "ZZ-00"


def test_layer_upload_needs_a_department(client, tmp_path):
    path = write_sample(tmp_path, legacy_frame([WEST_BOX]), "geojson")
    assert upload(client, "/imports/layers", path).status_code == 422
