"""The growth table of BENCHMARKS.md: a row that grows for a known reason says why."""
from __future__ import annotations

import json

from bench.report import growth


def block(commit: str, data: dict) -> str:
    return f"Commit {commit}\n\n<!-- data: {json.dumps(data)} -->\n"


def test_tiles_show_growth_per_cell_and_known_rows_their_reason():
    district = {"tiles": {"z10": 1000}, "tile_features": {"z10": 40.0},
                "writes": {"coordinates only: join only": 2.0, "1% moved: join only": 0.01}}
    city = {"tiles": {"z10": 200}, "tile_features": {"z10": 400.0},
            "writes": {"coordinates only: join only": 60.0, "1% moved: join only": 0.1}}
    out = growth({"district": block("abc", district), "city": block("abc", city)})
    lines = {line.split(" | ")[0].strip("| "): line for line in out.splitlines()
             if line.startswith("| ")}
    # notes are numbered in the table's order: writes before tiles
    assert "30.0x | (1)" in lines["writes: coordinates only: join only"]
    # 5x slower with 10x the cells per tile: half the time per cell
    assert "| 5.0x | (2) 40 -> 400 cells per tile: 0.5x per cell |" in lines["tiles: z10"]
    assert lines["writes: 1% moved: join only"].endswith("| 10.0x |  |")  # nothing known
    assert "(1) The scenario first" in out and "(2) A tile covers the same area" in out


def test_without_the_cells_per_tile_a_tile_row_still_names_its_reason():
    district, city = {"tiles": {"z12": 100}}, {"tiles": {"z12": 50}}
    out = growth({"district": block("abc", district), "city": block("abc", city)})
    assert "| tiles: z12 | 2.0x | (1) |" in out
