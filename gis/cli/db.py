"""`onegrid db start|stop|status|url|migrate`: the embedded cluster and the schema."""
from __future__ import annotations

import typer

from gis import db_roles
from gis.cli import context

NAME = "db"
app = typer.Typer(help="The database: embedded cluster control and migrations.",
                  no_args_is_help=True)


def _external_notice(s) -> bool:
    if s.database.url:
        typer.echo("DATABASE_URL is set: using that server; the embedded cluster is not used.")
        return True
    return False


@app.command()
def start() -> None:
    """Start the embedded PostGIS cluster (initialising it the first time); safe to repeat."""
    s = context.settings()
    if _external_notice(s):
        return
    typer.echo(context.cluster(s).start().describe())


@app.command()
def stop() -> None:
    """Stop the embedded cluster; the data stays."""
    s = context.settings()
    if _external_notice(s):
        return
    typer.echo(context.cluster(s).stop().describe())


@app.command()
def status() -> None:
    """Say whether the embedded cluster runs, on which port, and where its log is."""
    s = context.settings()
    if _external_notice(s):
        return
    st = context.cluster(s).status()
    typer.echo(st.describe())
    raise typer.Exit(0 if st.running else 3)


@app.command()
def url() -> None:
    """Print the SQLAlchemy URL of the database in use."""
    s = context.settings()
    typer.echo(context.database_url(s, start=False))


@app.command("migrate")
def migrate_cmd(revision: str = typer.Argument("heads")) -> None:
    """Apply the Alembic migrations up to REVISION (default: all heads), as the owner."""
    s = context.settings()
    context.migrate(s, revision)
    typer.echo(f"database at revision {revision}")


@app.command("setup-sql")
def setup_sql(
    database: str = typer.Option(..., help="the database to set up (created if missing)"),
    owner: str = typer.Option("", help="owner login (default <database>_owner, or "
                                       "settings.database.owner_role)"),
    app_role: str = typer.Option("", "--app-role", help="the service's login (default "
                                 "<database>_app, or settings.database.app_role)"),
    keep_owner_password: bool = typer.Option(
        False, help="the owner login exists already: leave its password alone"),
    host: str = typer.Option("HOST:5432", help="server address for the printed URLs"),
) -> None:
    """Print the one-time SQL a superuser runs for DATABASE: roles, database, extensions.

    Role names derive from the database name, so several onegrid databases can share one
    server. The printed passwords are new each time; the URLs to configure follow."""
    s = context.settings()
    names = db_roles.role_names(database, owner=owner or s.database.owner_role or None,
                                app=app_role or s.database.app_role or None)
    owner_password = None if keep_owner_password else db_roles.new_password()
    app_password = db_roles.new_password()
    plan = db_roles.setup_plan(names, owner_password=owner_password,
                               app_password=app_password)
    typer.echo(plan.as_psql_script())
    owner_login = f"{names.owner}:{owner_password}" if owner_password else names.owner
    typer.echo(
        "-- Then configure onegrid (keep these secret):\n"
        f"--   DATABASE_URL=postgresql://{owner_login}@{host}/{database}\n"
        f"--   ONEGRID_DATABASE__APP_URL=postgresql://{names.app}:{app_password}@{host}/{database}\n"
        "-- and run `onegrid db migrate` (as the owner; no superuser needed from here on).")
