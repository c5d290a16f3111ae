"""A lost race (deadlock, serialization failure) ends a command with one clear line saying
nothing was written and to run it again, exit status 75 (EX_TEMPFAIL), not a traceback:
the API says the same with a 409 (tests/api/test_edit_versions.py)."""
from __future__ import annotations

import pytest
import typer
from psycopg import errors
from sqlalchemy.exc import OperationalError

from gis.cli import main


@pytest.mark.parametrize("error", [errors.DeadlockDetected, errors.SerializationFailure])
def test_a_lost_race_says_run_it_again(monkeypatch, capsys, error):
    def lost():
        raise OperationalError("UPDATE households ...", {}, error("deadlock detected\n"
                                                                  "DETAIL: Process 1 waits"))

    app = typer.Typer()
    app.command()(lost)
    monkeypatch.setattr(main, "app", app)
    monkeypatch.setattr("sys.argv", ["onegrid"])
    with pytest.raises(SystemExit) as exited:
        main.run()
    assert exited.value.code == main.EXIT_RETRY == 75
    said = capsys.readouterr().err
    assert said.startswith("onegrid: another change to the same data ran at the same moment")
    assert "nothing was written" in said and "run the command again" in said
    assert "Traceback" not in said and "Process 1" not in said
