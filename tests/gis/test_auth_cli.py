"""`onegrid user ...`: accounts, roles, areas and keys from the command line (acts at once)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gis.auth import devmode, service
from gis.cli.main import app
from gis.errors import InvalidInput

USER = "cli-test-user"


@pytest.fixture()
def cli_env(monkeypatch, migrated_url, engine, tmp_path):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "cli-test-secret-key-0123456789abcdef")
    yield CliRunner()
    # These commands commit: remove what they wrote so other tests see a clean database.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE username = :u"), {"u": USER})


def run(runner, *args, stdin=None):
    result = runner.invoke(app, ["user", *args], input=stdin)
    return result.exit_code, result.output


def test_user_lifecycle_from_the_command_line(cli_env, engine):
    code, out = run(cli_env, "add", USER, "--role", "grid_worker", "--password-stdin",
                    stdin="a long enough password\n")
    assert code == 0, out
    assert run(cli_env, "scope", "add", USER, "500151001001001")[0] == 1  # no such cell
    code, out = run(cli_env, "key", "create", USER, "--name", "patrol phone",
                    "-p", "incidents:write")
    assert code == 0, out
    key = next(line for line in out.splitlines() if line.startswith("og_"))
    code, out = run(cli_env, "key", "list", USER)
    assert "patrol phone" in out and "active" in out and key not in out
    key_id = out.split("\t")[0]
    assert run(cli_env, "key", "revoke", key_id)[0] == 0
    assert "revoked" in run(cli_env, "key", "list", USER)[1]
    assert run(cli_env, "role", "revoke", USER, "grid_worker")[0] == 0
    code, out = run(cli_env, "list")
    assert f"{USER}: roles -; area no area" in out


def test_cli_errors_are_one_line_and_write_nothing(cli_env, engine):
    code, out = run(cli_env, "add", USER, "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 10 characters" in out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE username = :u"),
                            {"u": USER}).scalar() == 0


def test_serve_dev_mode_rule(db):
    assert devmode.decide_dev_mode(db, host="127.0.0.1", requested=False)[0] is True
    assert devmode.decide_dev_mode(db, host="0.0.0.0", requested=False)[0] is False
    with pytest.raises(InvalidInput, match="refusing"):
        devmode.decide_dev_mode(db, host="0.0.0.0", requested=True)
    service.add_user(db, username="first")
    on, why = devmode.decide_dev_mode(db, host="::1", requested=False)
    assert on is False and "log-in required" in why


def test_sign_out_ends_every_log_in_of_the_user(cli_env, engine):
    assert run(cli_env, "add", USER, "--password-stdin", stdin="a long enough password\n")[0] \
        == 0
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO refresh_tokens (jti, family, user_id, expires_at) "
            "SELECT f, f, id, now() + interval '1 hour' FROM users, "
            "(VALUES ('a'), ('b')) AS t(f) WHERE username = :u"), {"u": USER})
    code, out = run(cli_env, "sign-out", USER)
    assert code == 0 and "2 log-in token(s) revoked" in out
    with engine.connect() as conn:
        live = conn.execute(text(
            "SELECT count(*) FROM refresh_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE u.username = :u AND t.revoked_at IS NULL"), {"u": USER}).scalar()
    assert live == 0
