"""gis/exports.py: text that a spreadsheet would run as a formula is exported as text."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from shapely.geometry import box

from gis.exports import csv_text, formula_safe, xlsx_bytes
from gis.ingest.layers import LegacyRow, store
from gis.layers.conflation import conflate, conflation_csv


def test_each_formula_start_is_quoted_and_numbers_stay_numbers():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert formula_safe(text) == "'" + text
    assert [formula_safe(v) for v in ("张三", "a=b", -3, 2.5, None)] == [
        "张三", "a=b", -3, 2.5, None]


def test_xlsx_cells_are_strings_and_numbers_and_never_formulas():
    content = xlsx_bytes(["name", "n"], [["=HYPERLINK(\"http://x\",\"y\")", -3],
                                          ["地址\x01", 1.5]], sheet="s")
    cells = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows() for c in row]
    assert [(c.value, c.data_type) for c in cells] == [
        ("name", "s"), ("n", "s"), ("'=HYPERLINK(\"http://x\",\"y\")", "s"), (-3, "n"),
        ("地址", "s"), (1.5, "n")]


def test_csv_text_quotes_formulas_in_headers_and_rows():
    rows = list(csv.reader(io.StringIO(csv_text(["=h"], [["-2+3"], [7]]))))
    assert rows == [["'=h"], ["'-2+3"], ["7"]]


def test_conflation_csv_is_formula_safe(db, two_cells):
    layer = store(db, department="综治", name="旧网格", source_file="old.geojson",
                  crs_label="EPSG:4326 WGS 84", rows=[LegacyRow(
                      index=0, source_code="=cmd|' /C calc'!A0", name="@evil",
                      attributes={}, geom=box(0, 0, 1, 1))])
    result = conflate(db, layer_id=layer, generation_id=two_cells["generation"])
    row = next(csv.DictReader(io.StringIO(conflation_csv(result))))
    assert (row["legacy_code"], row["legacy_name"]) == ("'=cmd|' /C calc'!A0", "'@evil")
