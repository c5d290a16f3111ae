"""`import_people`: one file of one kind, read → validate → locate → store, dry run by default."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session
from tqdm import tqdm

from gis.auth.principal import Principal
from gis.crs import resolve_crs
from gis.errors import InvalidInput
from gis.people.idnumbers import IdProtector
from gis.people.ingest import party, staff, validate
from gis.people.ingest.headers import KINDS, resolve_columns
from gis.people.ingest.kinds import STORE
from gis.people.ingest.locate import (
    BUILDING_TYPES,
    POINT_TYPES,
    check_datum,
    check_geometry_types,
    check_validity,
    to_wgs84,
)
from gis.people.ingest.readers import Source, open_source
from gis.people.ingest.report import ImportReport
from gis.settings import ImportSettings

PROGRESS_MIN_ROWS = 5000  # smaller files finish before a bar is worth drawing


def import_people(session: Session, *, kind: str, data: bytes | Path, filename: str,
                  limits: ImportSettings | None = None,
                  secret_key: str, crs: str | None = None,
                  mapping: dict[str, str] | None = None, commit: bool = False,
                  skip_invalid: bool = False, repair: bool = True,
                  progress: bool = False, principal: Principal | None = None) -> ImportReport:
    """Import one file; without commit (or with invalid rows, unless skip_invalid) nothing
    stays written. Coordinates go through the steps every import shares: the declared CRS
    checked, the datum checked against the loaded districts (a suspect verdict refuses a
    commit without an explicit crs), invalid footprints repaired (repair) or named.

    principal: the caller, whose area bounds the rows (gis/people/ingest/area.py); a row
    outside it is an invalid row. None (the CLI) is unrestricted.

    The work runs inside a savepoint so a dry run reports exactly what a commit would do
    (cells, duplicates against stored rows) and then rolls back; the caller's transaction
    (request or CLI command) is left as it was."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {list(KINDS)}, got {kind!r}", where="kind")
    source = open_source(data, filename=filename, limits=limits)
    columns = resolve_columns(kind, source.headers, mapping or {}, where=filename)
    report = ImportReport(kind=kind, source=filename, columns=columns,
                          skip_invalid=skip_invalid, crs_declared=bool(crs))
    records = _read(session, source, kind, columns, report, progress=progress)
    if kind in ("buildings", "households"):
        records = _geometry_steps(session, records, kind, report, repair=repair,
                                  spec=resolve_crs(crs or source.crs_hint or "EPSG:4326"))
    savepoint = session.begin_nested()
    try:
        STORE[kind](session, records, report, protector=IdProtector(secret_key),
                    principal=principal)
        _finish(savepoint, report, commit=commit)
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return report


def _geometry_steps(session: Session, records: list[dict], kind: str, report: ImportReport,
                    *, spec, repair: bool) -> list[dict]:
    """check CRS → datum → WGS84 → check/repair geometry, as region and layer imports do."""
    report.crs = spec.label
    allowed = BUILDING_TYPES if kind == "buildings" else POINT_TYPES
    records = check_geometry_types(records, allowed, report.invalid)
    report.datum = check_datum(session, records, spec, where=report.source)
    to_wgs84(records, spec, where=report.source)
    return check_validity(records, repair=repair, invalid=report.invalid,
                          repaired=report.repaired)


def _finish(savepoint, report: ImportReport, *, commit: bool) -> None:
    suspect = report.datum is not None and report.datum.suspect and not report.crs_declared
    if not commit:
        report.note = "dry run: nothing was written (use --commit)"
        savepoint.rollback()
    elif suspect:
        report.note = f"{report.datum.message} Nothing was written."
        savepoint.rollback()
    elif report.invalid and not report.skip_invalid:
        report.note = (f"{report.invalid_rows} invalid rows: nothing was written; fix them "
                       "and import again, or pass --skip-invalid to import the valid rows")
        savepoint.rollback()
    else:
        savepoint.commit()
        report.committed = True
        if report.invalid:
            report.note = f"{report.invalid_rows} invalid rows skipped (--skip-invalid)"


def _read(session: Session, source: Source, kind: str, columns: dict[str, str],
          report: ImportReport, *, progress: bool) -> list[dict]:
    categories = _category_names(session) if kind == "special" else {}
    roles = staff.role_names() if kind == "staff" else {}
    parse = {"buildings": validate.building, "households": validate.household,
             "persons": validate.person,
             "special": lambda reader: validate.special(reader, categories),
             "staff": lambda reader: staff.parse(reader, roles),
             "party_households": party.parse}[kind]
    show = progress and (source.total or 0) >= PROGRESS_MIN_ROWS
    records = []
    for row in tqdm(source.rows, total=source.total, unit="row", disable=not show,
                    desc=f"reading {source.name}"):
        report.rows_read += 1
        reader = validate.RowReader(row, columns)
        record = parse(reader)
        if reader.problems:
            report.invalid.extend(reader.problems)
            continue
        records.append(record | {"where": row.label, "number": row.number,
                                 "geometry": row.geometry})
    return records


def _category_names(session: Session) -> dict[str, str]:
    """Every way a category may be written (code, 中文名, English name), lower-cased → code."""
    names: dict[str, str] = {}
    for code, zh, en in session.execute(text(
            "SELECT code, name_zh, name_en FROM special_population_categories")).all():
        names.update({code.lower(): code, zh.lower(): code, en.lower(): code})
    return names
