"""Hostile spreadsheets: an .xlsx bomb, too many rows/columns, huge cells, a CSV field over
python's 128 KiB limit — each refused with the file, the limit and the place named."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from gis.errors import InvalidInput
from gis.people.ingest.readers import open_source
from gis.settings import ImportSettings

BOMB_ROWS = 2_000_000


def workbook_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(xlsx: bytes, *, rows: int, row_xml: bytes) -> bytes:
    """The workbook with its sheet replaced by a header and `rows` copies of row_xml, no
    <dimension>: nothing but counting tells how many rows there are."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, source.read(item))
                continue
            with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>'
                            b'<row><c t="inlineStr"><is><t>name</t></is></c></row>')
                chunk = row_xml * 10_000
                for _ in range(rows // 10_000):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return with_sheet(workbook_bytes([["name"]]), rows=BOMB_ROWS,
                      row_xml=b"<row><c><v>1</v></c></row>")


def read_all(data: bytes, filename: str, **limits) -> list:
    source = open_source(data, filename=filename, limits=ImportSettings(**limits))
    return list(source.rows)


def test_a_two_million_row_bomb_is_refused_before_parsing(bomb):
    assert len(bomb) < 1_000_000  # small on disk: 52 MB (50 MiB) of XML
    with pytest.raises(InvalidInput) as refused:
        open_source(bomb, filename="people.xlsx", limits=ImportSettings())
    message = refused.value.message
    assert "people.xlsx" in message and "imports.max_compression_ratio" in message
    assert refused.value.where == "people.xlsx"


def test_the_inflated_size_is_checked_from_the_zip_directory(bomb):
    with pytest.raises(InvalidInput, match=r"people\.xlsx: refused: it inflates to 50 MiB, "
                       r"over the limit of 10 MiB \(imports\.max_inflated_bytes\)"):
        open_source(bomb, filename="people.xlsx", limits=ImportSettings(
            max_compression_ratio=1e9, max_inflated_bytes=10 * 1024 * 1024))


def test_rows_are_counted_as_they_stream_when_the_sheet_does_not_declare_them():
    # Without <dimension>, openpyxl scans the whole sheet once at open (~0.4 s per MiB):
    # the row tags are counted in the raw XML first, at the speed of inflating it.
    undeclared = with_sheet(workbook_bytes([["name"]]), rows=20_000,
                            row_xml=b"<row><c><v>1</v></c></row>")
    with pytest.raises(InvalidInput, match=r"people\.xlsx: refused: xl/worksheets/sheet1\.xml "
                       r"holds more than 1,000 rows \(imports\.max_rows\)"):
        read_all(undeclared, "people.xlsx", max_rows=1000)
    # the same rows, spread over two files, fit
    assert len(read_all(undeclared, "people.xlsx", max_rows=20_000)) == 20_000


def test_a_sheet_with_too_many_rows_is_refused_before_parsing():
    data = workbook_bytes([["户编号"], *([f"H{i}"] for i in range(6))])
    with pytest.raises(InvalidInput, match=r"hh\.xlsx: refused: xl/worksheets/sheet1\.xml "
                       r"holds more than 5 rows"):
        open_source(data, filename="hh.xlsx", limits=ImportSettings(max_rows=5))
    assert len(read_all(data, "hh.xlsx", max_rows=6)) == 6


def test_too_many_columns_and_huge_cells_are_refused_with_row_and_column():
    wide = workbook_bytes([["户编号"], ["H1", *range(300)]])
    with pytest.raises(InvalidInput, match=r"row 2 has 301 columns, over the limit of 256 "
                       r"\(imports\.max_columns\)"):
        read_all(wide, "wide.xlsx")
    huge = workbook_bytes([["户编号", "标准地址"], ["H1", "路" * 2_000]])
    with pytest.raises(InvalidInput, match=r"huge\.xlsx: refused: row 2 column 2 \(标准地址\)"
                       r" holds 2,000 characters, over the limit of 1,000"):
        read_all(huge, "huge.xlsx", max_cell_chars=1000)


def test_a_broken_sheet_says_which_file_instead_of_crashing():
    broken = with_sheet(workbook_bytes([["name"]]), rows=10_000,
                        row_xml=b"<row><c r='A!'><v>1</v></c></row>")
    with pytest.raises(InvalidInput, match=r"broken\.xlsx: the Excel sheet cannot be read"):
        read_all(broken, "broken.xlsx")


def test_a_csv_field_over_128_kib_names_file_row_and_column():
    data = ("户编号,标准地址\nH1,ok\nH2,\"" + "x" * 200_000 + "\"\n").encode()
    with pytest.raises(InvalidInput, match=r"hh\.csv: refused: row 3 column 2 \(标准地址\) is "
                       r"longer than 131,072 characters") as refused:
        read_all(data, "hh.csv")
    assert refused.value.where == "hh.csv row 3"


def test_a_csv_cell_over_the_cell_limit_is_refused_too():
    data = ("户编号,标准地址\nH1," + "x" * 40_000 + "\n").encode()
    with pytest.raises(InvalidInput, match=r"row 2 column 2 \(标准地址\) holds 40,000"):
        read_all(data, "hh.csv")


def test_rows_of_every_sheet_count_because_opening_the_file_scans_them_all():
    book = Workbook()
    book.active.append(["户编号"])
    book.active.append(["H1"])
    extra = book.create_sheet("notes")
    for i in range(6):
        extra.append([f"note {i}"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InvalidInput, match=r"hh\.xlsx: refused: its sheets \(up to "
                       r"xl/worksheets/sheet2\.xml\) hold more than 5 rows"):
        open_source(out.getvalue(), filename="hh.xlsx", limits=ImportSettings(max_rows=5))
    assert len(read_all(out.getvalue(), "hh.xlsx", max_rows=7)) == 1


def test_an_empty_csv_still_says_it_needs_headers():
    with pytest.raises(InvalidInput, match="CSV is empty"):
        read_all(b"", "empty.csv")
