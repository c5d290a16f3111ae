"""Import services: read → check geometries (CRS, repair) → check fields → diff → store.

Dry run unless commit=True. A commit is all or nothing: if any feature was rejected the
import is refused (nothing is written) unless skip_invalid=True, which stores the valid
features and lists the rejected ones in the report. The caller owns the transaction, so
a failure while storing leaves the database as it was once the caller rolls back."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.errors import CoordinateError, InvalidInput
from gis.ingest import datum, layers, regions
from gis.ingest.area import features_outside, regions_outside
from gis.ingest.columns import ColumnMap, map_columns
from gis.ingest.coverage import Piece, check_layer
from gis.ingest.read import ReadLimits, SourceLayer, read_source
from gis.ingest.schemas import ImportReport, LayerChange, Rejection
from gis.ingest.validate import CheckedGeometries, check_geometries
from gis.text_guard import clean_name


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file; every field is optional (auto-detection otherwise)."""

    crs: str | None = None            # --crs: gcj02, bd09, EPSG:4544… (wins over the file's)
    layer: str | None = None          # which layer of a GeoPackage/KML/zip
    wkt_column: str | None = None     # CSV only
    code_column: str | None = None
    name_column: str | None = None
    level_column: str | None = None
    skip_invalid: bool = False
    repair: bool = True               # rebuild invalid polygons (make_valid) and report how
    limits: ReadLimits = ReadLimits()


def import_regions(session: Session, *, path: Path, source_name: str | None = None,
                   options: ImportOptions = ImportOptions(), commit: bool = False,
                   principal: Principal | None = None) -> ImportReport:
    """Districts, towns and villages by 12-digit code; parents inferred from the code.

    principal: a scoped caller may only create or update regions under its own area
    (gis/ingest/area.py); None (the CLI) is unrestricted."""
    source, checked, columns = _read_and_check(path, source_name, options)
    datum.against_loaded_boundaries(session, checked, where=source.source_name)
    if columns.code is None:
        raise InvalidInput(f"{source.source_name}: no code column found (looked for 代码, "
                           "区划代码, code, adcode…); name it with --code-column",
                           where=source.source_name)
    rows, field_rejections = regions.region_rows(source, checked, columns)
    rows, area_rejections = regions_outside(principal, rows, field=columns.code)
    rows, parent_rejections = regions.check_parents(session, rows)
    report = _report(source, checked, columns, "regions", options,
                     extra_rejections=field_rejections + area_rejections + parent_rejections,
                     valid=len(rows))
    report.coverage = regions.coverage(session, rows)
    report.regions = regions.diff(session, rows)
    if commit:
        _refuse_partial(report, valid=len(rows))
        _refuse_suspect_datum(report)
        regions.store(session, rows)
        report.committed = True
    return report


def import_layer(session: Session, *, path: Path, department: str, name: str | None = None,
                 source_name: str | None = None, options: ImportOptions = ImportOptions(),
                 commit: bool = False, imported_by: str | None = None,
                 principal: Principal | None = None) -> ImportReport:
    """A department's own grid, kept as a new layer beside the unified grid; a scoped
    caller's features must lie in its area (gis/ingest/area.py)."""
    department = (department or "").strip()
    if not department:
        raise InvalidInput("a layer needs its department (综治, 城管, 党建, 应急…)",
                           where="department")
    source, checked, columns = _read_and_check(path, source_name, options)
    datum.against_loaded_boundaries(session, checked, where=source.source_name)
    layer_name = (name or "").strip() or Path(source.source_name.split("!")[0]).stem
    department, layer_name = (clean_name(department, where="department", max_length=100),
                              clean_name(layer_name, where="name", max_length=200))
    rows = layers.legacy_rows(source, checked, columns)
    outside = features_outside(session, principal, {r.index: r.geom for r in rows})
    rows = [r for r in rows if r.index not in {x.index for x in outside}]
    report = _report(source, checked, columns, "layer", options, valid=len(rows),
                     extra_rejections=outside)
    report.coverage = check_layer([Piece(r.index, r.source_code, r.geom) for r in rows])
    report.layer_change = LayerChange(
        department=department, name=layer_name, cells=len(rows),
        same_name_layers=layers.same_name_layers(session, department=department,
                                                 name=layer_name))
    if commit:
        _refuse_partial(report, valid=len(rows))
        _refuse_suspect_datum(report)
        report.layer_change.layer_id = layers.store(
            session, department=department, name=layer_name, source_file=source.source_name,
            crs_label=checked.crs.label, rows=rows, imported_by=imported_by)
        report.committed = True
    return report


def _read_and_check(path: Path, source_name: str | None, options: ImportOptions
                    ) -> tuple[SourceLayer, CheckedGeometries, ColumnMap]:
    source = read_source(path, source_name=source_name, layer=options.layer,
                         wkt_column=options.wkt_column, limits=options.limits)
    checked = check_geometries(source, declared_crs=options.crs, repair=options.repair)
    columns = map_columns(source.attributes, source=source.source_name,
                          code=options.code_column, name=options.name_column,
                          level=options.level_column)
    return source, checked, columns


def _report(source: SourceLayer, checked: CheckedGeometries, columns: ColumnMap, kind: str,
            options: ImportOptions, *, valid: int,
            extra_rejections: list[Rejection] = ()) -> ImportReport:
    rejected = sorted([*checked.rejections, *extra_rejections], key=lambda r: r.index)
    repaired_kept = [r for r in checked.repairs
                     if r.index not in {x.index for x in extra_rejections}]
    return ImportReport(source=source.source_name, kind=kind, layer=source.layer_name,
                        crs=checked.crs.label, crs_note=checked.crs_note,
                        crs_declared=bool(options.crs), datum=checked.datum,
                        columns=columns.as_report(), features_read=len(source), valid=valid,
                        repaired=repaired_kept, rejected=rejected,
                        skip_invalid=options.skip_invalid)


def _refuse_suspect_datum(report: ImportReport) -> None:
    """A layer that fits the reference markedly better shifted is not stored as declared
    unless the user said so: a silent 500 m error is worse than a refusal (finding 3)."""
    if report.datum is not None and report.datum.suspect and not report.crs_declared:
        raise CoordinateError(f"{report.datum.message} Nothing was written.",
                              where=report.source, details={"report": report.model_dump()})


def _refuse_partial(report: ImportReport, *, valid: int) -> None:
    """All or nothing, unless the caller asked to skip the invalid features."""
    if valid == 0:
        raise InvalidInput(f"{report.source}: no valid feature to import; nothing was written",
                           where=report.source, details={"report": report.model_dump()})
    if report.rejected and not report.skip_invalid:
        first = report.rejected[0]
        raise InvalidInput(
            f"{report.source}: {len(report.rejected)} of {report.features_read} features "
            f"rejected (first: #{first.index} [{first.field}] {first.reason}); nothing was "
            f"written. Fix them, or pass --skip-invalid to import the {valid} valid ones.",
            where=report.source, details={"report": report.model_dump()})
