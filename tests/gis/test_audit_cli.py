"""`onegrid audit staffing` and `onegrid map coverage` on a committed two-cell grid."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gis.cli.main import app
from tests.factories import VILLAGE

runner = CliRunner()


@pytest.fixture()
def cli_env(monkeypatch, committed_grid_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", committed_grid_url)
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret")
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))


def test_audit_prints_the_rules_and_writes_each_format(cli_env, tmp_path):
    result = runner.invoke(app, ["audit", "staffing"])
    assert result.exit_code == 0, result.output
    assert "fail  grid_head: 2 of 2 cells fail" in result.output
    assert "workload: open cases 0, overdue 0; last 90 days: dispatched 0" in result.output
    week = runner.invoke(app, ["audit", "staffing", "--workload-days", "7"])
    assert week.exit_code == 0 and "last 7 days" in week.output
    assert runner.invoke(app, ["audit", "staffing", "--workload-days", "0"]).exit_code == 2
    for name in ("a.csv", "a.xlsx", "a.html"):
        out = tmp_path / name
        done = runner.invoke(app, ["audit", "staffing", "--out", str(out), "--region", VILLAGE])
        assert done.exit_code == 0, done.output
    assert (tmp_path / "a.csv").read_text(encoding="utf-8-sig").count(VILLAGE) == 2
    assert load_workbook(tmp_path / "a.xlsx").sheetnames[0] == "网格"
    assert (tmp_path / "a.html").read_text().count("<path ") == 2


def test_a_wrong_suffix_is_refused(cli_env, tmp_path):
    result = runner.invoke(app, ["audit", "staffing", "--out", str(tmp_path / "a.pdf")])
    assert result.exit_code == 2 and ".xlsx" in result.output


def test_map_coverage_writes_an_offline_page(cli_env, tmp_path):
    out = tmp_path / "coverage.html"
    result = runner.invoke(app, ["map", "coverage", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "/static/vendor/leaflet/leaflet.js" in page and "cdn" not in page.lower()
    assert page.count(VILLAGE + "001") >= 1 and "每名专职网格员户数" in page
