"""Exports open as text in a spreadsheet: a name like =HYPERLINK(...) never becomes a formula."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.people_fixtures import add_household, add_person, add_special, make_id

FORMULA = '=HYPERLINK("http://x","y")'
LAT = 29.805


def hostile_person(db):
    household = add_household(db, lon=106.015, lat=LAT, external_id="+H1",
                              address="@SUM(A1:A9)")
    person = add_person(db, household_id=household, name=FORMULA, id_number=make_id(seq="111"))
    add_special(db, person_id=person, category="key_youth.05", level="high")


def xlsx_cells(content: bytes):
    book = load_workbook(io.BytesIO(content))  # not data_only: formulas would show as 'f'
    return [cell for row in book.worksheets[0].iter_rows() for cell in row]


def csv_cells(content: bytes) -> list[str]:
    return [v for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for v in row]


def test_person_named_like_a_formula_is_text_in_csv_and_xlsx(client, db, three_cells):
    hostile_person(db)
    as_csv = client.get("/persons/export", params={"format": "csv", "reason": "audit"})
    assert as_csv.status_code == 200, as_csv.text
    assert "'" + FORMULA in csv_cells(as_csv.content)
    assert FORMULA not in csv_cells(as_csv.content)

    as_xlsx = client.get("/persons/export", params={"format": "xlsx", "reason": "audit"})
    assert as_xlsx.status_code == 200, as_xlsx.text
    cells = xlsx_cells(as_xlsx.content)
    assert [c.value for c in cells if c.data_type == "f"] == []
    assert "'" + FORMULA in [c.value for c in cells]  # the text is visible, as text


def test_household_and_special_population_exports_are_formula_safe(client, db, three_cells):
    hostile_person(db)
    households = client.get("/households/export", params={"format": "csv"})
    assert {"'+H1", "'@SUM(A1:A9)"} <= set(csv_cells(households.content))
    cells = xlsx_cells(client.get("/households/export", params={"format": "xlsx"}).content)
    assert not [c for c in cells if c.data_type == "f"]
    assert "'@SUM(A1:A9)" in [c.value for c in cells]

    special = client.get("/special-populations/export",
                         params={"format": "xlsx", "reason": "audit"})
    assert special.status_code == 200, special.text
    cells = xlsx_cells(special.content)
    assert not [c for c in cells if c.data_type == "f"]
    special_csv = client.get("/special-populations/export",
                             params={"format": "csv", "reason": "audit"})
    assert FORMULA not in csv_cells(special_csv.content)
