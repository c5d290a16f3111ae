"""Entry point of the `onegrid` command: groups of sub-commands, one module each."""
from __future__ import annotations

import typer

from gis.cli import db, demo, serve

app = typer.Typer(help="onegrid: one grid for community governance.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.command("serve")(serve.serve)

if __name__ == "__main__":
    app()
