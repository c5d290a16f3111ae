"""`onegrid grid list|create-draft|validate|repair|activate|discard|propose`: generations."""
from __future__ import annotations

import datetime as dt
import json

import typer

from gis.cli import context

NAME = "grid"
app = typer.Typer(help="Grid generations: drafts, validation, activation, proposals.",
                  no_args_is_help=True)

COMMIT = typer.Option(False, "--commit", help="apply the change (default: a dry run)")


def _done(commit: bool) -> None:
    typer.echo("committed." if commit else "dry run: nothing was changed (add --commit).")


@app.command("list")
def list_generations() -> None:
    """List generations: id, status, dates, cells."""
    from gis.grid import lifecycle

    with context.session_scope(context.settings(), commit=False) as session:
        for g in lifecycle.list_generations(session):
            row = lifecycle.generation_summary(session, g)
            typer.echo(f"{row['id']:>4}  {row['status']:<8} {row['effective_from'] or '-':<10} "
                       f"→ {row['effective_to'] or '-':<10} {row['cells']:>6} cells  "
                       f"{row['name']}")


@app.command("create-draft")
def create_draft(name: str = typer.Option(..., help="what this generation is"),
                 note: str = typer.Option(None), commit: bool = COMMIT) -> None:
    """Create the draft generation (it starts with the active generation's cells)."""
    from gis.grid import lifecycle

    with context.session_scope(context.settings(), commit=commit) as session:
        draft = lifecycle.create_draft(session, name=name, note=note, created_by="cli")
        row = lifecycle.generation_summary(session, draft)
        # A dry run names no id: the one it drew is rolled back, a commit draws the next.
        what = f"draft generation {row['id']}" if commit else "a new draft generation"
        typer.echo(f"{what} {row['name']!r}: {row['cells']} cells")
    _done(commit)


@app.command()
def validate(generation: int = typer.Argument(..., help="generation id"),
             format: str = typer.Option("text", help="text, json or geojson")) -> None:
    """Print the validation report of a generation; exit 1 when blocking findings remain."""
    from gis.grid.validation import validate_generation

    s = context.settings()
    with context.session_scope(s, commit=False) as session:
        report = validate_generation(session, generation_id=generation, grid=s.grid)
    if format in ("json", "geojson"):
        body = report.to_geojson() if format == "geojson" else report.to_dict()
        typer.echo(json.dumps(body, ensure_ascii=False, indent=1))
    else:
        for finding in report.findings:
            typer.echo(f"{finding.severity:<8} {finding.kind:<16} {finding.message}")
        typer.echo(f"generation {generation}: {len(report.blocking)} blocking, "
                   f"{len(report.findings) - len(report.blocking)} warnings")
    raise typer.Exit(1 if report.blocking else 0)


@app.command()
def repair(generation: int = typer.Argument(..., help="the draft's id"),
           commit: bool = COMMIT) -> None:
    """Round a draft's cells to the 1e-7 degree grid and node them (shared borders get the
    same vertices on both sides); shows what moved."""
    from gis.grid.noding import repair_generation

    with context.session_scope(context.settings(), commit=commit) as session:
        result = repair_generation(session, generation_id=generation)
    typer.echo(f"generation {generation}: {result['cells_with_invalid_edges_before']} of "
               f"{result['cells']} cells had invalid coverage edges; "
               f"{result['cells_changed']} cells {'changed' if commit else 'would change'}: "
               f"{result['vertices_added']} vertices added, {result['vertices_moved']} moved, "
               f"at most {result['max_displacement_m']} m")
    if result["still_invalid"]:
        typer.echo(f"still invalid after noding: {', '.join(result['still_invalid'])}")
    _done(commit)


@app.command()
def activate(generation: int = typer.Argument(..., help="the draft's id"),
             effective_from: str = typer.Option(None, help="YYYY-MM-DD (default today)"),
             commit: bool = COMMIT) -> None:
    """Activate a draft; the active generation retires the day before."""
    from gis.grid import lifecycle

    s = context.settings()
    start = dt.date.fromisoformat(effective_from) if effective_from else None
    with context.session_scope(s, commit=commit) as session:
        result = lifecycle.activate(session, generation_id=generation, grid=s.grid,
                                    effective_from=start)
    typer.echo(json.dumps(result, ensure_ascii=False))
    _done(commit)


@app.command()
def discard(generation: int = typer.Argument(..., help="the draft's id"),
            commit: bool = COMMIT) -> None:
    """Discard a draft: its cells go, the cells it replaced are current again."""
    from gis.grid import lifecycle

    with context.session_scope(context.settings(), commit=commit) as session:
        typer.echo(json.dumps(lifecycle.discard_draft(session, generation_id=generation)))
    _done(commit)


@app.command()
def propose(region: str = typer.Option(..., help="12-digit code of a district, town or village"),
            households: str = typer.Option(None, help="the band, MIN..MAX (default: "
                                           "settings.grid households_min..households_max)"),
            generation: int = typer.Option(None, help="draft to fill (default: the draft, "
                                                      "or a new one)"),
            commit: bool = COMMIT) -> None:
    """Propose cells for every village under REGION with household counts in the band."""
    from gis.errors import InvalidInput
    from gis.grid.propose_service import propose_for_region

    settings = context.settings()
    grid = settings.grid
    households = households or f"{grid.households_min}..{grid.households_max}"
    low, sep, high = households.partition("..")
    if not (sep and low.isdigit() and high.isdigit()):
        raise InvalidInput(f"--households must look like 150..500; got {households!r}",
                           where="--households")
    with context.session_scope(settings, commit=commit) as session:
        result = propose_for_region(session, region_code=region, band=(int(low), int(high)),
                                    generation_id=generation, created_by="cli")
    for village in result["villages"]:
        typer.echo(f"{village['village']}: {village['households']:>6} households → "
                   f"{village['cells']:>3} cells, {village['in_band']} in band, "
                   f"Polsby-Popper {village['mean_polsby_popper']}, "
                   f"{village['cells_following_roads']} on roads / "
                   f"{village['cells_with_straight_cuts']} straight")
    generation = ("a new generation" if result["new_generation"] and not commit
                  else f"generation {result['generation']}")
    typer.echo(f"{generation}: {result['cells']} cells, "
               f"{result['share_in_band']:.0%} in band {low}..{high} "
               f"({result['villages_below_band']} villages have fewer households than "
               f"{low}; elsewhere {result['share_in_band_where_possible'] or 0:.0%}), "
               f"mean Polsby-Popper "
               f"{result['mean_polsby_popper']}, {result['seconds']} s")
    _done(commit)
