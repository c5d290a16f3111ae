"""`onegrid import regions|layer|roads FILE`: dry run by default, one transaction with --commit."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from gis.cli import context
from gis.errors import OnegridError
from gis.ingest import service
from gis.ingest.schemas import ImportReport

NAME = "import"
app = typer.Typer(help="Import boundaries and departmental grid layers (GeoJSON, zipped "
                       "Shapefile, GeoPackage, KML, CSV with WKT). Dry run unless --commit.",
                  no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="the file to import")]
CrsOpt = Annotated[str | None, typer.Option(
    "--crs", help="CRS of the coordinates, wins over the file's: gcj02, bd09, EPSG:4490, "
                  "EPSG:4544 (a CGCS2000 Gauss-Kruger zone)…")]
LayerOpt = Annotated[str | None, typer.Option(help="layer inside a GeoPackage, KML or zip")]
WktOpt = Annotated[str | None, typer.Option(help="CSV: the column holding WKT")]
CodeOpt = Annotated[str | None, typer.Option(help="the code column (default: auto-detect)")]
NameOpt = Annotated[str | None, typer.Option(help="the name column (default: auto-detect)")]
SkipOpt = Annotated[bool, typer.Option(
    help="commit the valid features even if some are rejected (default: all or nothing)")]
RepairOpt = Annotated[bool, typer.Option(
    help="rebuild invalid polygons (make_valid) and report how; --no-repair rejects them")]
MappingOpt = Annotated[Path | None, typer.Option(
    exists=True, dir_okay=False,
    help='JSON {"code": "header", "name": "header", "level": "header"}, as for people')]
CommitOpt = Annotated[bool, typer.Option(help="apply the import (default: dry run)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the report as JSON")]


@app.command("regions")
def regions_cmd(file: FileArg, crs: CrsOpt = None, layer: LayerOpt = None,
                wkt_column: WktOpt = None, code_column: CodeOpt = None,
                name_column: NameOpt = None,
                level_column: Annotated[str | None, typer.Option(
                    help="the level column (default: inferred from the code)")] = None,
                skip_invalid: SkipOpt = False, repair: RepairOpt = True,
                mapping: MappingOpt = None, commit: CommitOpt = False,
                as_json: JsonOpt = False) -> None:
    """Districts, towns and villages by 12-digit code (parents inferred from the code)."""
    columns = _columns(mapping, code=code_column, name=name_column, level=level_column)
    options = service.ImportOptions(crs=crs, layer=layer, wkt_column=wkt_column,
                                    skip_invalid=skip_invalid, repair=repair, **columns)
    _run(lambda session: service.import_regions(session, path=file, options=options,
                                                commit=commit), commit=commit, as_json=as_json)


@app.command("layer")
def layer_cmd(file: FileArg,
              department: Annotated[str, typer.Option(help="综治, 城管, 党建, 应急…")],
              name: Annotated[str | None, typer.Option(
                  help="the layer's name (default: the file name)")] = None,
              crs: CrsOpt = None, layer: LayerOpt = None, wkt_column: WktOpt = None,
              code_column: CodeOpt = None, name_column: NameOpt = None,
              skip_invalid: SkipOpt = False, repair: RepairOpt = True,
              mapping: MappingOpt = None, commit: CommitOpt = False,
              as_json: JsonOpt = False) -> None:
    """A department's own grid, stored as a new layer for conflation with the unified grid."""
    columns = _columns(mapping, code=code_column, name=name_column, level=None)
    columns.pop("level_column")
    options = service.ImportOptions(crs=crs, layer=layer, wkt_column=wkt_column,
                                    skip_invalid=skip_invalid, repair=repair, **columns)
    _run(lambda session: service.import_layer(session, path=file, department=department,
                                              name=name, options=options, commit=commit,
                                              imported_by="cli"),
         commit=commit, as_json=as_json)


@app.command("roads")
def roads_cmd(file: FileArg, crs: CrsOpt = None, layer: LayerOpt = None,
              wkt_column: WktOpt = None, name_column: NameOpt = None,
              skip_invalid: SkipOpt = False, commit: CommitOpt = False,
              as_json: JsonOpt = False) -> None:
    """Road lines (LineString/MultiLineString) that cell proposals follow; a re-import of
    the same file name replaces its lines."""
    from gis.ingest.roads import import_roads

    options = service.ImportOptions(crs=crs, layer=layer, wkt_column=wkt_column,
                                    name_column=name_column, skip_invalid=skip_invalid)
    _run(lambda session: import_roads(session, path=file, options=options, commit=commit),
         commit=commit, as_json=as_json)


def _columns(mapping: Path | None, **given: str | None) -> dict[str, str | None]:
    """--code-column & co. win over the --mapping file's entries."""
    from gis.errors import InvalidInput
    from gis.people.ingest.headers import load_mapping

    declared = load_mapping(mapping)
    unknown = sorted(set(declared) - set(given))
    if unknown:
        raise typer.BadParameter(str(InvalidInput(
            f"the mapping names {unknown}; a boundary import maps only {sorted(given)}")))
    return {f"{role}_column": value or declared.get(role) for role, value in given.items()}


def _run(action: Callable, *, commit: bool, as_json: bool) -> None:
    """One transaction: committed only if --commit and nothing failed (session_scope)."""
    s = context.settings()
    try:
        with context.session_scope(s, commit=commit) as session:
            report: ImportReport = action(session)
    except OnegridError as exc:
        details = exc.details.get("report")
        if details and not as_json:
            typer.echo(ImportReport.model_validate(details).summary(outcome=False), err=True)
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, indent=1) if as_json
                   else f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(report.model_dump_json(indent=1) if as_json else report.summary())
