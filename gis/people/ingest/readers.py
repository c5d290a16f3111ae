"""Read CSV, Excel .xlsx (streaming) and GeoJSON into numbered rows of raw values."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape

from gis.errors import InvalidInput

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


def open_source(data: bytes | Path, *, filename: str) -> Source:
    fmt = FORMATS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise InvalidInput(f"cannot import {filename}: use .csv, .xlsx or .geojson",
                           where=filename)
    raw = Path(data).read_bytes() if isinstance(data, Path) and fmt != "xlsx" else data
    return {"csv": _csv, "xlsx": _xlsx, "geojson": _geojson}[fmt](raw, filename)


def _csv(data: bytes, filename: str) -> Source:
    # utf-8-sig drops Excel's BOM; GB18030 (a superset of GBK) is what Chinese Excel saves.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("CSV is neither UTF-8 nor GB18030 text", where=filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = [h.strip() for h in next(reader, [])]
    if not headers:
        raise InvalidInput("CSV is empty: the first row must hold the column headers",
                           where=filename)

    def rows() -> Iterator[RawRow]:
        for number, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):
                yield RawRow(number, f"row {number}", dict(zip(headers, cells, strict=False)))

    return Source(filename, headers, rows(), total=text.count("\n"))


def _xlsx(data: bytes | Path, filename: str) -> Source:
    from openpyxl import load_workbook

    stream = data if isinstance(data, Path) else io.BytesIO(data)
    try:
        # read_only streams rows (constant memory on 100k-row sheets); data_only reads
        # the cached value of formulas instead of their text.
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InvalidInput(f"cannot open the Excel file: {exc}", where=filename) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    headers = [str(h).strip() if h is not None else "" for h in next(values, ())]
    if not any(headers):
        raise InvalidInput("the first sheet's first row must hold the column headers",
                           where=filename)

    def rows() -> Iterator[RawRow]:
        try:
            for number, cells in enumerate(values, start=2):
                if any(c not in (None, "") for c in cells):
                    yield RawRow(number, f"row {number}",
                                 dict(zip(headers, cells, strict=False)))
        finally:
            book.close()

    return Source(filename, headers, rows(), total=(sheet.max_row or 1) - 1)


def _geojson(data: bytes, filename: str) -> Source:
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
                geometry = shape(geom) if geom else None
            except (AttributeError, KeyError, TypeError, ValueError,
                    shapely.errors.GEOSException) as exc:
                geometry = InvalidInput(f"geometry cannot be read: {exc}", where=label)
            yield RawRow(index, label, dict(feature.get("properties") or {}), geometry)

    return Source(filename, headers, rows(), total=len(features), crs_hint=crs)
