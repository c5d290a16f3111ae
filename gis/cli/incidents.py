"""`onegrid incidents`: the escalation sweep (cron-friendly; the app also runs it)."""
from __future__ import annotations

import datetime as dt

import typer

from gis.cli import context

NAME = "incidents"
app = typer.Typer(help="Incidents: escalate overdue cases; the working-day calendar.",
                  no_args_is_help=True)
calendar_app = typer.Typer(help="China's holidays and make-up working days (calendar_days).",
                           no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


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


@calendar_app.command("show")
def calendar_show(year: int = typer.Argument(..., help="e.g. 2027")) -> None:
    """The days of YEAR that break the Monday-to-Friday rule, or that none are known."""
    from sqlalchemy import text

    s = context.settings()
    with context.session_scope(s, commit=False) as session:
        rows = session.execute(text(
            "SELECT day, workday, note FROM calendar_days WHERE extract(year FROM day) = :y"
            " ORDER BY day"), {"y": year}).all()
    if not rows:
        typer.echo(f"no holidays are known for {year}: weekends only are counted. Add them "
                   "with `onegrid incidents calendar set`, or upgrade chinese-calendar and "
                   "run `onegrid incidents calendar seed --commit`")
        return
    for day, workday, note in rows:
        typer.echo(f"{day.isoformat()} {'working day' if workday else 'holiday'} {note or ''}")


@calendar_app.command("seed")
def calendar_seed(commit: bool = typer.Option(False, help="write; default is a dry run")
                  ) -> None:
    """Add the days the installed chinese-calendar knows and the table lacks."""
    from gis.incidents import calendar

    s = context.settings()
    with context.session_scope(s, commit=commit) as session:
        added = calendar.seed_from_package(session)
    years = sorted({d.year for d in added})
    verb = "added" if commit else "would add (dry run; --commit to write)"
    typer.echo(f"{verb} {len(added)} day(s)" + (f" of {', '.join(map(str, years))}"
                                                 if years else ""))


@calendar_app.command("set")
def calendar_set(day: str = typer.Argument(..., help="YYYY-MM-DD"),
                 workday: bool = typer.Option(..., "--workday/--holiday",
                                              help="a make-up working day, or a holiday"),
                 note: str = typer.Option("", help="e.g. 春节"),
                 commit: bool = typer.Option(False, help="write; default is a dry run")) -> None:
    """Mark one day as a holiday or a make-up working day (as the State Council announces)."""
    from gis.errors import InvalidInput
    from gis.incidents import calendar

    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"{day!r} is not a date like 2027-02-06", where="day") from None
    s = context.settings()
    with context.session_scope(s, commit=commit) as session:
        calendar.set_day(session, day=date, workday=workday, note=note or None)
    kind = "a working day" if workday else "a holiday"
    typer.echo(f"{date.isoformat()} {'is now' if commit else 'would be (dry run)'} {kind}")
