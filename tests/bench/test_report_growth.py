"""The growth table of BENCHMARKS.md: each row says whether it grows as its work does, and a
row that grows more says why when the reason is known."""
from __future__ import annotations

import json

from bench.report import growth


def block(commit: str, size: str, households: int, data: dict) -> str:
    return (f"## {size}: {households:,} households, 10 cells\n\nCommit {commit}\n\n"
            f"<!-- data: {json.dumps(data)} -->\n")


def rows_of(out: str) -> dict[str, str]:
    return {line.split(" | ")[0].strip("| "): line for line in out.splitlines()
            if line.startswith("| ")}


def test_each_row_says_whether_it_grows_as_its_work_and_why_when_it_does_not():
    district = {"tiles": {"z10": 1000}, "tile_features": {"z10": 40.0},
                "reads": {"/households limit=100 (admin)": 0.004,
                          "/households limit=100 count=true (admin)": 0.1,
                          "/cells limit=1000 (admin)": 0.01},
                "writes": {"coordinates only: join only": 2.0, "1% moved: join only": 0.01,
                           "200 persons added: deltas": 0.3}}
    city = {"tiles": {"z10": 200}, "tile_features": {"z10": 400.0},
            "reads": {"/households limit=100 (admin)": 0.005,
                      "/households limit=100 count=true (admin)": 1.2,
                      "/cells limit=1000 (admin)": 0.03},
            "writes": {"coordinates only: join only": 60.0, "1% moved: join only": 0.1,
                       "200 persons added: deltas": 0.9}}
    out = growth({"district": block("abc", "District", 100_000, district),
                  "city": block("abc", "City", 1_000_000, city)})
    lines = rows_of(out)
    # bulk rows: linear is 10x the households (from the blocks' headings), 1.5x for noise
    assert "| 30.0x | no (2.0x over) | (1) |" in lines["writes: coordinates only: join only"]
    assert lines["writes: 1% moved: join only"].endswith("| 10.0x | yes |  |")
    # bounded rows: a page, single inserts, a tile
    assert "| 1.2x | yes |" in lines["reads: /households limit=100 (admin)"]
    assert "| 3.0x | no (2.0x over) |" in lines["writes: 200 persons added: deltas"]
    assert "| 12.0x | yes |" in lines["reads: /households limit=100 count=true (admin)"]
    assert "| 3.0x | yes |" in lines["reads: /cells limit=1000 (admin)"]
    # 5x slower with 10x the cells per tile: half the time per cell
    assert "| 5.0x | no (3.3x over) | (2) 40 -> 400 cells per tile: 0.5x per cell |" \
        in lines["tiles: z10"]
    assert "3 of 7 rows grow more" in out
    assert "(1) The scenario first" in out and "(2) A tile covers the same area" in out


def test_without_the_cells_per_tile_a_tile_row_still_names_its_reason():
    district, city = {"tiles": {"z12": 100}}, {"tiles": {"z12": 50}}
    out = growth({"district": block("abc", "District", 10, district),
                  "city": block("abc", "City", 100, city)})
    assert "| tiles: z12 | 2.0x | no (1.3x over) | (1) |" in out
