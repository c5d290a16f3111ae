"""`onegrid db start|stop|status|url|migrate`: the embedded cluster and the schema."""
from __future__ import annotations

import typer

from gis import migrate
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
    """Apply the Alembic migrations up to REVISION (default: all heads)."""
    s = context.settings()
    migrate.upgrade(context.database_url(s), revision)
    typer.echo(f"database at revision {revision}")
