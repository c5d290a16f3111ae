"""The import commands share their options (issue 11, findings 6 and 8): --mapping and
--repair for boundaries and layers, --skip-invalid and --repair for people; dry runs name
no id and print no "stored"."""
from __future__ import annotations

import json

import pytest
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

from gis.cli.main import app
from tests.gis.ingest_samples import legacy_frame, write_sample
from tests.gis.test_ingest_cli import committed

runner = CliRunner()


@pytest.fixture()
def cli_env(monkeypatch, migrated_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret")
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))
BOWTIE = Polygon([(106.0, 29.8), (106.1, 29.9), (106.1, 29.8), (106.0, 29.9)])


def test_layer_dry_run_takes_a_mapping_and_names_no_layer_id(cli_env, engine, tmp_path):
    frame = legacy_frame([box(106.0, 29.8, 106.1, 29.9)]).rename(
        columns={"网格编码": "GRID_NO", "网格名称": "GRID_TITLE"})
    path = write_sample(tmp_path, frame, "geojson")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"code": "GRID_NO", "name": "GRID_TITLE"}))
    result = runner.invoke(app, ["import", "layer", str(path), "--department", "综治",
                                 "--mapping", str(mapping), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["columns"]["code"] == "GRID_NO" and report["columns"]["name"] == "GRID_TITLE"
    assert report["layer_change"]["layer_id"] is None
    text = runner.invoke(app, ["import", "layer", str(path), "--department", "综治"]).output
    assert "a new layer 综治/" in text and "stored" not in text


def test_no_repair_rejects_what_repair_would_rebuild(cli_env, engine, tmp_path):
    path = write_sample(tmp_path, legacy_frame([box(106.0, 29.8, 106.1, 29.9), BOWTIE]),
                        "geojson")
    repaired = runner.invoke(app, ["import", "layer", str(path), "--department", "综治"])
    assert "repaired #1: Self-intersection" in repaired.output
    rejected = runner.invoke(app, ["import", "layer", str(path), "--department", "综治",
                                   "--no-repair"])
    assert "rejected #1 [geometry]: invalid (Self-intersection" in rejected.output


def test_people_import_skips_invalid_footprints_when_asked(cli_env, engine, tmp_path):
    features = [{"type": "Feature", "properties": {"标准地址": f"路{n}号"},
                 "geometry": json.loads(json.dumps(geom.__geo_interface__))}
                for n, geom in enumerate([box(106.0, 29.8, 106.001, 29.801), BOWTIE])]
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    refused = runner.invoke(app, ["people", "import", "buildings", str(path), "--no-repair",
                                  "--commit"])
    assert refused.exit_code == 1 and "stored:" not in refused.output
    assert "invalid: feature 1, geometry: invalid (Self-intersection" in refused.output
    done = runner.invoke(app, ["people", "import", "buildings", str(path), "--no-repair",
                               "--skip-invalid", "--commit"])
    try:
        assert done.exit_code == 0, done.output
        assert "stored:                    1" in done.output
        assert committed(engine, "SELECT count(*) FROM buildings") == 1
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM buildings")
