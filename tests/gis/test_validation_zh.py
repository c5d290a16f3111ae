"""Validation findings in Chinese: each check's sentence from hand-built rows states the same
numbers and codes as the English one, in words a Chinese planner uses; and a real report
carries both."""
from __future__ import annotations

import pytest
from shapely.geometry import box

from gis.grid import edits
from gis.grid import validation_zh as zh
from gis.grid.validation import CHECKS, validate_generation
from gis.settings import GridSettings
from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
OTHER = "500151001002"
GRID = GridSettings(households_min=30, households_max=150, sliver_min_area_m2=100.0,
                    sliver_max_thinness=0.05)
SENTENCES = {check.kind: (check.sentence, check.sentence_zh) for check in CHECKS}


def both(kind: str, row: dict, grid: GridSettings = GRID) -> tuple[str, str]:
    english, chinese = SENTENCES[kind]
    return english(row, grid), chinese(row, grid)


def test_every_check_has_a_chinese_sentence():
    assert {check.kind for check in CHECKS} == {
        "invalid_geometry", "multipart", "code", "overlap", "gap", "outside_village",
        "sliver", "households"}
    assert all(check.sentence_zh is not None for check in CHECKS)


def test_overlap_names_both_cells_and_the_area():
    en, cn = both("overlap", {"codes": [WEST, EAST], "area_m2": 1234.4})
    assert cn == f"网格 {WEST} 与网格 {EAST} 重叠 1,234 平方米。"
    assert "1,234 m²" in en  # the same number in both


def test_a_small_area_keeps_its_decimal():
    _, cn = both("overlap", {"codes": [WEST, EAST], "area_m2": 3.25})
    assert "重叠 3.2 平方米" in cn


def test_gap_names_the_village_and_the_area():
    _, cn = both("gap", {"codes": [], "village_code": VILLAGE, "area_m2": 52_000.0})
    assert cn == f"村（社区）{VILLAGE} 有 52,000 平方米 不在任何网格内（缝隙）。"


def test_outside_village_names_the_other_villages_or_none():
    row = {"codes": [EAST], "village_code": VILLAGE, "area_m2": 800.0,
           "other_villages": [OTHER]}
    _, cn = both("outside_village", row)
    assert f"网格 {EAST} 有 800 平方米 超出所属村（社区）{VILLAGE} 的村界" in cn
    assert f"落在村（社区）{OTHER} 内" in cn
    _, nowhere = both("outside_village", {**row, "other_villages": []})
    assert "不在任何村（社区）内" in nowhere and OTHER not in nowhere


def test_sliver_gives_its_area_compactness_and_the_limits():
    en, cn = both("sliver", {"codes": [WEST], "area_m2": 64.0, "compactness": 0.0123})
    assert cn.startswith(f"网格 {WEST} 疑似狭长碎片")
    for number in ("面积 64 平方米", "0.012", "面积 100 平方米", "紧凑度 0.05"):
        assert number in cn, number
    assert "0.012" in en


@pytest.mark.parametrize(("households", "side"), [(12, "偏少"), (151, "偏多")])
def test_households_outside_the_band_says_which_side(households, side):
    en, cn = both("households", {"codes": [WEST], "households": households})
    assert cn == f"网格 {WEST} 有 {households} 户，超出户数范围 30-150 户（{side}）。"
    assert f"{households} households; the band is 30-150" in en


def test_multipart_counts_the_parts():
    _, cn = both("multipart", {"codes": [WEST], "parts": 3})
    assert cn == f"网格 {WEST} 由 3 个互不相连的部分组成；一个网格必须是一个闭合的多边形。"


def test_invalid_geometry_translates_geos_reasons_and_keeps_the_place():
    _, cn = both("invalid_geometry", {"codes": [WEST], "reason": "Self-intersection[0.5 0.5]"})
    assert cn == f"网格 {WEST} 的图形无效：自相交（位置 0.5 0.5）。"
    _, ring = both("invalid_geometry", {"codes": [WEST], "reason": "Ring Self-intersection"})
    assert "环自相交" in ring
    # a reason GEOS may add one day stays as GEOS says it, rather than being lost
    _, unknown = both("invalid_geometry", {"codes": [WEST], "reason": "Something new[1 2]"})
    assert "Something new[1 2]" in unknown


@pytest.mark.parametrize(("problem", "level", "expected"), [
    ("format", "village", "不是 15 位数字"),
    ("prefix", "village", f"没有以所属村（社区）的编码 {VILLAGE} 开头"),
    ("not_village", "town", f"所指的 {VILLAGE} 是镇街，不是村（社区）"),
    ("not_village", "missing", f"所指的区划 {VILLAGE} 不存在"),
    ("serial", "village", "序号为 000；序号应从 001 开始"),
])
def test_code_problems(problem, level, expected):
    code = VILLAGE + "000"
    _, cn = both("code", {"codes": [code], "village_code": VILLAGE, "problem": problem,
                          "level": level})
    assert cn.startswith(f"网格编码 {code} ") and expected in cn


def test_coverage_sentences_give_the_counts_and_the_repair_command():
    edge = zh.coverage_edge(WEST, 2, 7)
    assert f"网格 {WEST} 有 2 段边界" in edge and "onegrid grid repair 7" in edge
    grid = zh.off_grid(9, 3, 7)
    assert grid.startswith("3 个网格的 9 个顶点不在") and "onegrid grid repair 7" in grid


def test_a_report_carries_each_finding_in_both_languages(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.2, 1))
    report = validate_generation(db, generation_id=draft["draft"],
                                 grid=GridSettings(households_min=0, households_max=10))
    [overlap] = [f for f in report.findings if f.kind == "overlap"]
    assert overlap.message_zh.startswith(f"网格 {WEST} 与网格 {EAST} 重叠 ")
    area = overlap.message.split("overlap by ")[1].split(" m²")[0]
    assert f"重叠 {area} 平方米" in overlap.message_zh  # the same number, measured once
    assert report.to_dict()["findings"][0]["message_zh"] == report.findings[0].message_zh
