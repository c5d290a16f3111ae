"""Tabular exports (CSV, XLSX) that a spreadsheet opens as text, never as live formulas.

Every exporter goes through `formula_safe`: a value such as `=HYPERLINK("http://x","y")`
typed into a name field would otherwise run when an official opens the file (CSV
injection, OWASP). The OWASP rule: a text cell starting with = + - @, a tab or a carriage
return gets a leading single quote, which spreadsheets show as text and keep as text when
the cell is edited again. XLSX cells are also written with the string type, so even an
unprefixed value could not become a formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def formula_safe(value):
    """Text that a spreadsheet would read as a formula, prefixed with "'"; other values as is.

    Numbers stay numbers (-3 is not a formula); only text is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(headers: Sequence, rows: Iterable[Sequence]) -> str:
    """Headers and rows as CSV text, every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([formula_safe(h) for h in headers])
    writer.writerows([formula_safe(v) for v in row] for row in rows)
    return out.getvalue()


def xlsx_bytes(headers: Sequence, rows: Iterable[Sequence], *, sheet: str) -> bytes:
    """Headers and rows as one sheet of an .xlsx file, text cells typed as strings."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # streams rows to the file: constant memory
    ws = book.create_sheet(sheet)
    ws.append([_xlsx_cell(ws, h) for h in headers])
    for row in rows:
        ws.append([_xlsx_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_sheets_bytes(sheets: Sequence[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """Several (sheet name, headers, rows) as one .xlsx, cells as in xlsx_bytes."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, headers, rows in sheets:
        ws = book.create_sheet(name)
        ws.append([_xlsx_cell(ws, h) for h in headers])
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(ws, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    # XML 1.0 cannot hold most control characters; openpyxl raises on them, which would
    # turn one odd address into a failed export.
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", formula_safe(value)))
    cell.data_type = "s"  # openpyxl types any text starting with "=" as a formula
    return cell
