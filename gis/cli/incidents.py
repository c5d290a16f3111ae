"""`onegrid incidents`: the escalation sweep (cron-friendly; the app also runs it)."""
from __future__ import annotations

import datetime as dt

import typer

from gis.cli import context

NAME = "incidents"
app = typer.Typer(help="Incidents: escalate overdue cases.", no_args_is_help=True)


@app.command()
def sweep(commit: bool = typer.Option(False, help="write; default is a dry run")) -> None:
    """Escalate every overdue case one command-centre level (village → town → district)."""
    from gis.incidents import sweeper

    s = context.settings()
    with context.session_scope(s, commit=commit) as session:
        result = sweeper.run(session, settings=s.incidents, now=dt.datetime.now(dt.UTC))
    if not result.swept:
        typer.echo("another sweeper is running right now; nothing done")
        return
    verb = "escalated" if commit else "would escalate (dry run; --commit to write)"
    typer.echo(f"{verb} {len(result.escalated)} overdue case(s)"
               + (": " + ", ".join(result.escalated[:20]) if result.escalated else ""))
