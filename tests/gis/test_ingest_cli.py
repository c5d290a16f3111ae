"""`onegrid import` against the real database: dry run, all-or-nothing commit, rollback on crash.

These tests commit for real (the CLI owns its transaction), so each one looks at the
database through a fresh connection and cleans up what a successful commit wrote."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gis.cli.main import app
from gis.ingest import layers as layer_store
from tests.gis.ingest_samples import WEST_BOX, hierarchy_frame, legacy_frame, write_sample

runner = CliRunner()


@pytest.fixture()
def cli_env(monkeypatch, migrated_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret")
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))


def committed(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_dry_run_says_what_it_would_do_and_writes_nothing(cli_env, engine, tmp_path):
    path = write_sample(tmp_path, hierarchy_frame(), "geojson")
    result = runner.invoke(app, ["import", "regions", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 features read, 4 valid" in result.output
    assert "4 to insert" in result.output and "dry run: nothing was written" in result.output
    assert committed(engine, "SELECT count(*) FROM regions") == 0


def test_commit_with_one_bad_feature_writes_nothing(cli_env, engine, tmp_path):
    frame = hierarchy_frame()
    frame.loc[2, "代码"] = "50015100100"   # the town's code lost a digit
    path = write_sample(tmp_path, frame, "csv")
    result = runner.invoke(app, ["import", "regions", str(path), "--commit"])
    assert result.exit_code == 1
    assert "rejected #2 [代码]" in result.output
    assert "nothing was written" in result.output
    assert committed(engine, "SELECT count(*) FROM regions") == 0


def test_crash_while_storing_leaves_the_database_as_it_was(cli_env, engine, tmp_path,
                                                          monkeypatch):
    def store_then_crash(session, **kwargs):
        real_store(session, **kwargs)   # the layer and its cells are written…
        written = session.execute(text("SELECT count(*) FROM legacy_cells")).scalar()
        assert written == 1             # (inside the transaction)
        raise RuntimeError("disk full")  # …then the process fails

    real_store = layer_store.store
    monkeypatch.setattr(layer_store, "store", store_then_crash)
    path = write_sample(tmp_path, legacy_frame([WEST_BOX]), "gpkg")
    result = runner.invoke(app, ["import", "layer", str(path), "--department", "城管",
                                 "--commit"])
    assert isinstance(result.exception, RuntimeError)
    assert committed(engine, "SELECT count(*) FROM legacy_layers") == 0
    assert committed(engine, "SELECT count(*) FROM legacy_cells") == 0


def test_layer_commit_is_visible_to_others(cli_env, engine, tmp_path):
    path = write_sample(tmp_path, legacy_frame([WEST_BOX]), "kml", stem="城管网格")
    try:
        result = runner.invoke(app, ["import", "layer", str(path), "--department", "城管",
                                     "--commit", "--json"])
        assert result.exit_code == 0, result.output
        assert '"committed": true' in result.output
        assert committed(engine, "SELECT count(*) FROM legacy_cells c JOIN legacy_layers l "
                                 "ON l.id = c.layer_id WHERE l.name = '城管网格'") == 1
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM legacy_layers"))
