"""Limits on uploaded spreadsheets (settings.imports): an .xlsx bomb refused from its zip
directory before parsing; rows, columns and cell sizes checked as rows stream (xlsx, csv).

A 588 KB file can hold 2 million rows (a repeated row deflates 100-1000x); parsing it
took minutes and hundreds of MB. The zip directory tells each member's inflated size for free,
and zipfile never inflates a member past its declared size (it stops and fails the CRC),
so a lie there cannot buy more than the check allowed."""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from gis.errors import InvalidInput
from gis.settings import ImportSettings

MIB = 1024 * 1024
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# Members smaller than this are harmless whatever their ratio (styles, empty sheets).
_RATIO_FLOOR_BYTES = MIB


def check_xlsx_archive(data: bytes | Path, *, filename: str, limits: ImportSettings) -> None:
    """InvalidInput naming the file and the limit when the zip would inflate too far."""
    try:
        archive = zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{filename}: not an Excel .xlsx file ({exc})",
                           where=filename) from None
    with archive:
        members = archive.infolist()
        _check_sizes(members, filename=filename, limits=limits)
        rows = 0  # across sheets: openpyxl scans every sheet at open, not just the first
        for member in members:
            if _SHEET.match(member.filename):
                rows = _count_rows(archive, member, rows, filename=filename, limits=limits)


def _check_sizes(members: list[zipfile.ZipInfo], *, filename: str,
                 limits: ImportSettings) -> None:
    inflated = sum(m.file_size for m in members)
    if inflated > limits.max_inflated_bytes:
        raise InvalidInput(
            f"{filename}: refused: it inflates to {inflated / MIB:,.0f} MiB, over the limit "
            f"of {limits.max_inflated_bytes / MIB:,.0f} MiB (imports.max_inflated_bytes); "
            "split the file", where=filename)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise InvalidInput(
                f"{filename}: refused: {member.filename} is compressed {ratio:,.0f} times "
                f"(over the limit of {limits.max_compression_ratio:g}, "
                "imports.max_compression_ratio); real spreadsheets compress far less: "
                "this looks like a zip bomb", where=filename)


def _count_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo, before: int, *,
                filename: str, limits: ImportSettings) -> int:
    """Count <row> tags in the raw XML before openpyxl parses it: inflating and counting
    bytes runs at ~500 MB/s where parsing runs at ~3, and openpyxl scans a whole sheet
    that lacks a <dimension> when the workbook is opened. Tags are counted with or
    without a namespace prefix ("<row", ":row", which also catches one <x:rowBreaks>)."""
    try:
        return _count_row_tags(archive, member, before, filename=filename, limits=limits)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise InvalidInput(f"{filename}: {member.filename} is damaged ({exc})",
                           where=filename) from None


def _count_row_tags(archive: zipfile.ZipFile, member: zipfile.ZipInfo, before: int, *,
                    filename: str, limits: ImportSettings) -> int:
    rows, tail = before, b""
    with archive.open(member) as xml:
        while chunk := xml.read(1 << 20):
            text = tail + chunk
            rows += text.count(b"<row") + text.count(b":row")
            tail = text[-4:]
            rows -= tail.count(b"<row") + tail.count(b":row")  # counted again next time
            if rows - 1 > limits.max_rows:
                holder = (f"{member.filename} holds" if not before else
                          f"its sheets (up to {member.filename}) hold")
                raise InvalidInput(
                    f"{filename}: refused: {holder} more than {limits.max_rows:,} rows "
                    "(imports.max_rows); split the file", where=filename)
    return rows


def declared_rows(sheet, *, filename: str, limits: ImportSettings) -> int | None:
    """The row count the sheet declares (its <dimension>), refused early when too many.

    Only a hint: the dimension may be missing or wrong, so stream_rows counts too. Then
    the dimension is dropped, so openpyxl does not pad every row to a declared width."""
    rows = sheet.max_row
    sheet.reset_dimensions()
    if rows is not None and rows - 1 > limits.max_rows:
        raise InvalidInput(f"{filename}: refused: the sheet declares {rows - 1:,} rows, over "
                           f"the limit of {limits.max_rows:,} (imports.max_rows)",
                           where=filename)
    return rows


def checked_row(cells: tuple, *, number: int, filename: str, limits: ImportSettings,
                headers: list[str] = ()) -> tuple:
    """The row itself, or InvalidInput naming the limit it breaks (rows, columns, cell size)."""
    if number - 1 > limits.max_rows:
        raise InvalidInput(f"{filename}: refused: more than {limits.max_rows:,} rows "
                           "(imports.max_rows); split the file", where=f"{filename} row {number}")
    if len(cells) > limits.max_columns:
        raise InvalidInput(f"{filename}: refused: row {number} has {len(cells):,} columns, "
                           f"over the limit of {limits.max_columns} (imports.max_columns)",
                           where=f"{filename} row {number}")
    for column, value in enumerate(cells, start=1):
        if isinstance(value, str) and len(value) > limits.max_cell_chars:
            raise InvalidInput(
                f"{filename}: refused: row {number} {column_name(column, headers)} holds "
                f"{len(value):,} characters, over the limit of {limits.max_cell_chars:,} "
                "(imports.max_cell_chars)", where=f"{filename} row {number}")
    return cells


def column_name(column: int, headers) -> str:
    """'column 3 (姓名)': the position, and the header when there is one."""
    header = headers[column - 1] if 0 < column <= len(headers) else ""
    return f"column {column}" + (f" ({header})" if header else "")


def stream_rows(values: Iterator, *, first: int, filename: str, limits: ImportSettings,
                headers: list[str] = ()) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) from a row iterator (openpyxl read-only, csv), each row checked."""
    for number, cells in enumerate(values, start=first):
        yield number, checked_row(cells, number=number, filename=filename, limits=limits,
                                  headers=headers)
