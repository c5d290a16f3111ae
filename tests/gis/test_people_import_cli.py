"""`onegrid people import` on hostile files: a clear message and exit code, no traceback."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gis.cli.main import app

runner = CliRunner()


@pytest.fixture()
def cli_env(monkeypatch, migrated_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret")
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))


def test_a_csv_field_over_128_kib_is_a_message_not_a_traceback(cli_env, tmp_path):
    path = tmp_path / "hh.csv"
    path.write_text("户编号,标准地址\nH1,ok\nH2,\"" + "路" * 140_000 + "\"\n", encoding="utf-8")
    result = runner.invoke(app, ["people", "import", "households", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert "hh.csv: refused: row 3 column 2 (标准地址) is longer than 131,072 characters" \
        in result.output


def test_a_row_limit_from_the_environment_applies(cli_env, tmp_path, monkeypatch):
    monkeypatch.setenv("ONEGRID_IMPORTS__MAX_ROWS", "2")
    path = tmp_path / "hh.csv"
    path.write_text("户编号,标准地址\nH1,a\nH2,b\nH3,c\n", encoding="utf-8")
    result = runner.invoke(app, ["people", "import", "households", str(path)])
    assert result.exit_code == 2, result.output
    assert "refused: more than 2 rows (imports.max_rows)" in result.output


def test_the_json_report_has_the_keys_of_every_import_report(cli_env, tmp_path):
    from gis.ingest.schemas import ReportCore

    path = tmp_path / "hh.csv"
    path.write_text("户编号,经度,纬度\nH1,106.015,29.805\nH2,abc,29.805\n", encoding="utf-8")
    result = runner.invoke(app, ["people", "import", "households", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(ReportCore.model_fields) <= set(report)
    assert [(r["where"], r["field"]) for r in report["rejected"]] == [("row 3", "lon")]
    assert report["committed"] is False and report["features_read"] == 2
