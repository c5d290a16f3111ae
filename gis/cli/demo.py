"""`onegrid demo load`: the demo district (real boundary, generated contents)."""
from __future__ import annotations

import typer

NAME = "demo"
app = typer.Typer(help="Demo data.", no_args_is_help=True)
