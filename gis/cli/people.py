"""`onegrid people import|assign|reassign|rollups`: people data in, households into cells."""
from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from gis.cli import context
from gis.errors import OnegridError

NAME = "people"
app = typer.Typer(help="Buildings, households, persons, special populations, staff.",
                  no_args_is_help=True)


class Kind(StrEnum):
    buildings = "buildings"
    households = "households"
    persons = "persons"
    special = "special"
    staff = "staff"
    party_households = "party_households"


@app.command("import")
def import_cmd(kind: Kind, file: Path = typer.Argument(..., exists=True, dir_okay=False),
               crs: str = typer.Option(None, help="declared CRS of lon/lat (default "
                                       "EPSG:4326): EPSG code, cgcs2000, gcj02, bd09"),
               mapping: Path = typer.Option(None, exists=True, dir_okay=False,
                                            help='JSON {"field": "header in the file"}'),
               skip_invalid: bool = typer.Option(False, help="commit the valid rows even if "
                                                 "some are invalid (they are listed)"),
               repair: bool = typer.Option(True, help="rebuild invalid footprints "
                                           "(make_valid) and report how"),
               commit: bool = typer.Option(False, help="write (one transaction); "
                                           "default is a dry run"),
               as_json: bool = typer.Option(False, "--json", help="print the report as JSON "
                                            "(the keys of every import's report, as "
                                            "`onegrid import` prints them, and people's own)")
               ) -> None:
    """Import FILE (.csv, .xlsx, .geojson) and print the report; a dry run unless --commit."""
    from gis.people.ingest.headers import load_mapping
    from gis.people.ingest.service import import_people

    s = context.settings()
    try:
        with context.session_scope(s, commit=commit) as session:
            report = import_people(session, kind=kind.value, data=file, filename=str(file),
                                   limits=s.imports,
                                   crs=crs, mapping=load_mapping(mapping), commit=commit,
                                   skip_invalid=skip_invalid, repair=repair,
                                   secret_key=s.security.secret_key, progress=True)
    except OnegridError as exc:
        typer.echo(f"error: {exc.where + ': ' if exc.where else ''}{exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) if as_json
               else report.summary())
    if commit and not report.committed:
        raise typer.Exit(1)


@app.command()
def assign(commit: bool = typer.Option(False, help="write; default is a dry run")) -> None:
    """Assign every household and building to the active generation's cells (bulk)."""
    from gis.people.assignment import assign_households

    s = context.settings()
    with context.session_scope(s, commit=commit) as session:
        # rollups of the cells touched: kept by the statement triggers (0027_rollup_deltas)
        result = assign_households(session, refresh=False)  # buildings and households
    typer.echo(f"{result.as_dict()}; rollups of {len(result.touched_cell_ids)} cells"
               + ("" if commit else " (dry run: nothing written)"))


@app.command("rollups")
def rollups_cmd(commit: bool = typer.Option(False, help="write; default is a dry run")) -> None:
    """Recount every cell's rollups in the active generation (repair: the triggers keep
    them current; this says how many cells were off)."""
    from gis.grid.lifecycle import active_generation
    from gis.people.rollups import repair_generation

    s = context.settings()
    with context.session_scope(s, commit=commit) as session:
        generation = active_generation(session)
        if generation is None:
            typer.echo("error: no active generation", err=True)
            raise typer.Exit(2)
        cells, corrected = repair_generation(session, generation_id=generation.id)
    typer.echo(f"recounted {cells} cells of generation {generation.id}; {corrected} were off"
               + ("" if commit else " (dry run: nothing written)"))


@app.command()
def reassign(old: int = typer.Option(..., help="generation households are assigned to now"),
             new: int = typer.Option(..., help="generation to move them to"),
             commit: bool = typer.Option(False, help="write; default is a dry run")) -> None:
    """Re-assign only the households in the area that changed between two generations."""
    from gis.people.assignment import reassign_changed_area

    s = context.settings()
    with context.session_scope(s, commit=commit) as session:
        result = reassign_changed_area(session, old_generation_id=old, new_generation_id=new)
    typer.echo(f"{result.as_dict()}" + ("" if commit else " (dry run: nothing written)"))
