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
from gis.people.ingest import validate
from gis.people.ingest.headers import KINDS, resolve_columns
from gis.people.ingest.kinds import STORE
from gis.people.ingest.locate import BUILDING_TYPES, POINT_TYPES, check_geometry_types, to_wgs84
from gis.people.ingest.readers import Source, open_source
from gis.people.ingest.report import ImportReport
from gis.settings import ImportSettings

PROGRESS_MIN_ROWS = 5000  # smaller files finish before a bar is worth drawing


def import_people(session: Session, *, kind: str, data: bytes | Path, filename: str,
                  limits: ImportSettings | None = None,
                  secret_key: str, crs: str | None = None,
                  mapping: dict[str, str] | None = None, commit: bool = False,
                  progress: bool = False, principal: Principal | None = None) -> ImportReport:
    """Import one file; without commit (or with invalid rows) nothing stays written.

    principal: the caller, whose area bounds the rows (gis/people/ingest/area.py); a row
    outside it is an invalid row. None (the CLI) is unrestricted.

    The work runs inside a savepoint so a dry run reports exactly what a commit would do
    (cells, duplicates against stored rows) and then rolls back; the caller's transaction
    (request or CLI command) is left as it was."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {list(KINDS)}, got {kind!r}", where="kind")
    source = open_source(data, filename=filename, limits=limits)
    columns = resolve_columns(kind, source.headers, mapping or {}, where=filename)
    report = ImportReport(kind=kind, source=filename, columns=columns)
    records = _read(session, source, kind, columns, report, progress=progress)
    if kind in ("buildings", "households"):
        spec = resolve_crs(crs or source.crs_hint or "EPSG:4326")
        report.crs = spec.label
        allowed = BUILDING_TYPES if kind == "buildings" else POINT_TYPES
        records = check_geometry_types(records, allowed, report.invalid)
        to_wgs84(records, spec, where=filename)
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


def _finish(savepoint, report: ImportReport, *, commit: bool) -> None:
    if not commit:
        report.note = "dry run: nothing was written (use --commit)"
        savepoint.rollback()
    elif report.invalid:
        report.note = (f"{report.invalid_rows} invalid rows: nothing was written; "
                       "fix them and import again")
        savepoint.rollback()
    else:
        savepoint.commit()
        report.committed = True


def _read(session: Session, source: Source, kind: str, columns: dict[str, str],
          report: ImportReport, *, progress: bool) -> list[dict]:
    categories = _category_names(session) if kind == "special" else {}
    parse = {"buildings": validate.building, "households": validate.household,
             "persons": validate.person,
             "special": lambda reader: validate.special(reader, categories)}[kind]
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
        records.append(record | {"where": row.label, "geometry": row.geometry})
    return records


def _category_names(session: Session) -> dict[str, str]:
    """Every way a category may be written (code, 中文名, English name), lower-cased → code."""
    names: dict[str, str] = {}
    for code, zh, en in session.execute(text(
            "SELECT code, name_zh, name_en FROM special_population_categories")).all():
        names.update({code.lower(): code, zh.lower(): code, en.lower(): code})
    return names
