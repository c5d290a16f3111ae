"""Read CSV, Excel .xlsx (streaming) and GeoJSON into numbered rows of raw values."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from gis.errors import InvalidGeometry, InvalidInput
from gis.geometry_guard import check_geometry
from gis.people.ingest.limits import (
    check_xlsx_archive,
    checked_row,
    column_name,
    declared_rows,
    stream_rows,
)
from gis.settings import ImportSettings

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".geojson": "geojson",
           ".json": "geojson"}


@dataclass(frozen=True)
class RawRow:
    """One input row: where it is (for error messages), its values by header, a geometry."""

    number: int  # spreadsheet row (header = 1) or GeoJSON feature index (from 0)
    label: str   # "row 7" / "feature 3"
    values: dict
    geometry: object = None  # shapely geometry (GeoJSON) or None


@dataclass
class Source:
    """An opened file: its headers, a row iterator, an estimate of its length, a CRS hint."""

    name: str
    headers: list[str]
    rows: Iterator[RawRow]
    total: int | None = None
    crs_hint: str | None = None


def open_source(data: bytes | Path, *, filename: str,
                limits: ImportSettings | None = None) -> Source:
    """The file as headers and a row iterator; limits (settings.imports) bound what a
    spreadsheet may cost: an .xlsx bomb is refused before it is parsed."""
    fmt = FORMATS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise InvalidInput(f"cannot import {filename}: use .csv, .xlsx or .geojson",
                           where=filename)
    limits = limits or ImportSettings()
    raw = Path(data).read_bytes() if isinstance(data, Path) and fmt != "xlsx" else data
    return {"csv": _csv, "xlsx": _xlsx, "geojson": _geojson}[fmt](raw, filename, limits)


def _csv(data: bytes, filename: str, limits: ImportSettings) -> Source:
    # utf-8-sig drops Excel's BOM; GB18030 (a superset of GBK) is what Chinese Excel saves.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("CSV is neither UTF-8 nor GB18030 text", where=filename)
    lines = _RecordLines(text)
    reader = csv.reader(lines)
    headers = [h.strip() for h in _next_record(reader, lines, filename=filename, number=1)
               or []]
    if not headers:
        raise InvalidInput("CSV is empty: the first row must hold the column headers",
                           where=filename)
    checked_row(headers, number=1, filename=filename, limits=limits)

    def records() -> Iterator[list[str]]:
        for number in count(2):
            cells = _next_record(reader, lines, filename=filename, number=number,
                                 headers=headers)
            if cells is None:
                return
            yield cells

    def rows() -> Iterator[RawRow]:
        for number, cells in stream_rows(records(), first=2, filename=filename,
                                         limits=limits, headers=headers):
            if any(c.strip() for c in cells):
                yield RawRow(number, f"row {number}", dict(zip(headers, cells, strict=False)))

    return Source(filename, headers, rows(), total=text.count("\n"))


class _RecordLines:
    """The CSV text line by line, keeping the lines of the record being read: python's csv
    refuses a field over csv.field_size_limit() (128 KiB) without saying which one."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.record: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line


def _next_record(reader, lines: _RecordLines, *, filename: str, number: int,
                 headers: list[str] = ()) -> list[str] | None:
    lines.record = []
    try:
        return next(reader, None)
    except csv.Error as exc:
        where = f"{filename} row {number}"
        if "field limit" not in str(exc):
            raise InvalidInput(f"{filename}: row {number} is not valid CSV: {exc}",
                               where=where) from None
        column = _long_field(lines.record, csv.field_size_limit())
        raise InvalidInput(
            f"{filename}: refused: row {number} {column_name(column, headers)} is longer "
            f"than {csv.field_size_limit():,} characters", where=where) from None


def _long_field(record: list[str], limit: int) -> int:
    """The 1-based column of the first field longer than limit in a record's raw lines."""
    column, length, quoted = 1, 0, False
    for ch in "".join(record):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            column, length = column + 1, 0
            continue
        length += 1
        if length > limit:
            return column
    return column


def _xlsx(data: bytes | Path, filename: str, limits: ImportSettings) -> Source:
    from openpyxl import load_workbook

    check_xlsx_archive(data, filename=filename, limits=limits)
    stream = data if isinstance(data, Path) else io.BytesIO(data)
    try:
        # read_only streams rows (constant memory on 100k-row sheets); data_only reads
        # the cached value of formulas instead of their text. python-calamine 0.9 reads
        # 200,000 rows x 8 columns ~17x faster but holds the whole sheet (150 MB peak
        # against openpyxl's 42 MB, ~0.7 GB at the row limit): streaming wins on a server.
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InvalidInput(f"cannot open the Excel file: {exc}", where=filename) from None
    sheet = book.worksheets[0]
    declared = declared_rows(sheet, filename=filename, limits=limits)
    parsed = _parsed(sheet, filename)
    first = checked_row(next(parsed, ()), number=1, filename=filename, limits=limits)
    headers = [str(h).strip() if h is not None else "" for h in first]
    values = stream_rows(parsed, first=2, filename=filename, limits=limits, headers=headers)
    if not any(headers):
        raise InvalidInput("the first sheet's first row must hold the column headers",
                           where=filename)

    def rows() -> Iterator[RawRow]:
        try:
            for number, cells in values:
                if any(c not in (None, "") for c in cells):
                    yield RawRow(number, f"row {number}",
                                 dict(zip(headers, cells, strict=False)))
        finally:
            book.close()

    return Source(filename, headers, rows(), total=(declared or 1) - 1)


def _parsed(sheet, filename: str) -> Iterator[tuple]:
    """openpyxl's rows; its errors on broken XML (many types) say which file, not a 500."""
    parsed = sheet.iter_rows(values_only=True)
    while True:
        try:
            cells = next(parsed)
        except StopIteration:
            return
        except Exception as exc:  # from the parser only: our own checks run outside
            raise InvalidInput(f"{filename}: the Excel sheet cannot be read: {exc}",
                               where=filename) from None
        yield cells


def _geojson(data: bytes, filename: str, limits: ImportSettings) -> Source:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"not valid GeoJSON: {exc}", where=filename) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InvalidInput("GeoJSON must be a FeatureCollection", where=filename)
    headers: list[str] = []
    for feature in features:
        for key in (feature.get("properties") or {}) if isinstance(feature, dict) else ():
            if key not in headers:
                headers.append(key)
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name")

    def rows() -> Iterator[RawRow]:
        for index, feature in enumerate(features):
            label = f"feature {index}"
            geom = feature.get("geometry") if isinstance(feature, dict) else None
            try:
                # unknown types ("Hexagon"), bad nesting, NaN: reported on the row
                geometry = check_geometry(geom, where=label, require_valid=False) \
                    if geom else None
            except InvalidGeometry as exc:
                geometry = InvalidInput(f"geometry cannot be read: {exc.message}", where=label)
            yield RawRow(index, label, dict(feature.get("properties") or {}), geometry)

    return Source(filename, headers, rows(), total=len(features), crs_hint=crs)
