"""Entry point of the `onegrid` command.

Every module in gis/cli/ that defines `app` (a typer.Typer) and `NAME` becomes a command
group; `serve` is a single command. Adding a group means adding one file."""
from __future__ import annotations

import importlib
import pkgutil

import typer

import gis.cli as package
from gis.cli import serve

app = typer.Typer(help="onegrid: one grid for community governance.", no_args_is_help=True)
app.command("serve")(serve.serve)

for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"gis.cli.{info.name}")
    if isinstance(getattr(module, "app", None), typer.Typer) and hasattr(module, "NAME"):
        app.add_typer(module.app, name=module.NAME)



def run() -> None:
    """Console entry point: domain errors become one clear line and exit status 1."""
    from sqlalchemy.exc import DBAPIError

    from gis.errors import OnegridError

    try:
        app()
    except OnegridError as exc:
        where = f" [{exc.where}]" if exc.where else ""
        typer.echo(f"onegrid: {exc.message}{where}", err=True)
        raise SystemExit(1) from None
    except DBAPIError as exc:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in RETRY_SQLSTATES:  # a lost race: the command's transaction undone
            typer.echo("onegrid: another change to the same data ran at the same moment "
                       f"({RETRY_SQLSTATES[sqlstate]}); nothing was written: run the "
                       "command again", err=True)
            raise SystemExit(EXIT_RETRY) from None
        if sqlstate not in SETUP_SQLSTATES:
            raise
        first = str(exc.orig).strip().splitlines()[0]
        typer.echo(f"onegrid: the database refused: {first}. A role, privilege or extension "
                   "is missing: a superuser must run the SQL printed by "
                   "`onegrid db setup-sql --database NAME`", err=True)
        raise SystemExit(1) from None


# A deadlock (e.g. a bulk people import and an assignment locking the same households in
# different orders, migrations/sql/0033_rollup_race_upgrade.sql) or a serialization
# failure: the database undid the whole command; running it again is safe.
RETRY_SQLSTATES = {"40P01": "deadlock detected", "40001": "serialization failure"}
EXIT_RETRY = 75  # EX_TEMPFAIL: a script may retry

# insufficient_privilege, undefined_object (a role), feature/extension not available
SETUP_SQLSTATES = {"42501", "42704", "58P01", "0A000"}


if __name__ == "__main__":
    run()
