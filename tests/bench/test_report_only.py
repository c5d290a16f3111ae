"""`bench.report --only reads|writes`: one section re-measured and put in place in its
size's block; the block's other sections, the other size and the data of other rows stay."""
from __future__ import annotations

import argparse
import json
import re

import pytest

import bench.report as report
from bench.reads import Figure

OTHER = "### Vector tiles vs tipg (HTTP, same role, same columns)\n\nold tiles table\n"


def a_block(size: str) -> str:
    data = {"reads": {"old (admin)": 1.0}, "writes": {"old: join only": 2.0},
            "tiles": {"z10": 100}}
    return (f"## {size}: 10 households, 1 cells\n\nCommit old\n\n"
            f"{report.READS_TITLE}\n\nold reads table\n\n{OTHER}\n"
            f"{report.WRITES_TITLE}\n\nold writes table\n\n### Validation\n\nold\n\n"
            f"<!-- data: {json.dumps(data)} -->\n")


def test_one_section_is_replaced_in_place_and_the_rest_kept(tmp_path, monkeypatch):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(report.merged(path, "district", a_block("District")))
    path.write_text(report.merged(path, "city", a_block("City")))
    monkeypatch.setattr(report.rollup_writes, "run", lambda rounds: {
        "1% moved": {"join only": [0.1, 0.3], "deltas": [0.2, 0.4]}})
    monkeypatch.setattr(report.reads, "run", lambda rounds, timeout_s: [
        (Figure("tile z10 (centre)", "admin", 0.01, 0.01, 0.01, 1),
         Figure("tile z10 (centre)", "admin", 0.02, 0.02, 0.02, 1))])
    args = argparse.Namespace(rounds=1, timeout=5, write_rounds=2)
    report.only_section(path, "city", "writes", args)
    report.only_section(path, "city", "reads", args)
    out = path.read_text()
    city = re.search(r"<!-- size:city -->\n(.*?)<!-- /size:city -->", out, re.S).group(1)
    district = re.search(r"<!-- size:district -->\n(.*?)<!-- /size:district -->", out,
                         re.S).group(1)
    assert "old writes table" not in city and "| 1% moved | deltas | 0.300 s" in city
    assert "old reads table" not in city and "| tile z10 (centre) | admin | 10.0 ms" in city
    assert OTHER in city and "### Validation\n\nold" in city
    assert city.count("Measured apart from the rest of this block") == 2
    assert "old writes table" in district and "old reads table" in district
    data = json.loads(re.search(r"<!-- data: (.*?) -->", city).group(1))
    assert data["writes"] == pytest.approx({"1% moved: join only": 0.2, "1% moved: deltas": 0.3})
    assert data["reads"] == {"tile z10 (centre) (admin)": 0.01} and data["tiles"] == {"z10": 100}
    assert "## Growth from district to city" in out
