"""The validation findings' sentences in Chinese, from the same rows and settings as the English.

Each function takes what the English sentence in gis/grid/validation.py takes (a row of the
check's query and the grid settings), so both languages state the same numbers. Areas are
formatted as in English (thousands separated, m² as 平方米), codes as they are stored."""
from __future__ import annotations

import re

from gis.settings import GridSettings

LEVELS_ZH = {"district": "区县", "town": "镇街", "village": "村（社区）"}

# GEOS's reasons (ST_IsValidDetail) by their English name; a reason not listed stays English.
GEOS_REASONS_ZH = {
    "Ring Self-intersection": "环自相交",
    "Self-intersection": "自相交",
    "Too few points in geometry component": "组成部分的点数过少",
    "Hole lies outside shell": "内环位于外环之外",
    "Nested holes": "内环相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "外环相互嵌套",
    "Duplicate Rings": "有重复的环",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
    "empty geometry": "图形为空",
}
_REASON = re.compile(r"^(?P<name>[^\[]+?)\s*(?:\[(?P<where>[^\]]*)\])?$")


def m2(value: float) -> str:
    """An area in square metres, with the precision of the English sentence."""
    return f"{value:,.0f} 平方米" if value >= 10 else f"{value:.1f} 平方米"


def geos_reason(reason: str) -> str:
    """'Self-intersection[106.1 29.8]' → '自相交（位置 106.1 29.8）'; unknown names stay."""
    match = _REASON.match(reason.strip())
    if not match or match["name"] not in GEOS_REASONS_ZH:
        return reason
    where = f"（位置 {match['where']}）" if match["where"] else ""
    return GEOS_REASONS_ZH[match["name"]] + where


def invalid_geometry(row: dict, grid: GridSettings) -> str:
    return f"网格 {row['codes'][0]} 的图形无效：{geos_reason(row['reason'])}。"


def multipart(row: dict, grid: GridSettings) -> str:
    return (f"网格 {row['codes'][0]} 由 {row['parts']} 个互不相连的部分组成；"
            "一个网格必须是一个闭合的多边形。")


def code(row: dict, grid: GridSettings) -> str:
    village, problem = row["village_code"], row["problem"]
    if problem == "format":
        why = "不是 15 位数字"
    elif problem == "prefix":
        why = f"没有以所属村（社区）的编码 {village} 开头"
    elif problem == "not_village" and row["level"] == "missing":
        why = f"所指的区划 {village} 不存在，不是村（社区）"
    elif problem == "not_village":
        why = f"所指的 {village} 是{LEVELS_ZH.get(row['level'], row['level'])}，不是村（社区）"
    else:  # serial
        why = "的序号为 000；序号应从 001 开始"
    return f"网格编码 {row['codes'][0]} {why}。"


def overlap(row: dict, grid: GridSettings) -> str:
    return f"网格 {row['codes'][0]} 与网格 {row['codes'][1]} 重叠 {m2(row['area_m2'])}。"


def gap(row: dict, grid: GridSettings) -> str:
    return f"村（社区）{row['village_code']} 有 {m2(row['area_m2'])} 不在任何网格内（缝隙）。"


def outside_village(row: dict, grid: GridSettings) -> str:
    where = (f"落在村（社区）{'、'.join(row['other_villages'])} 内" if row["other_villages"]
             else "不在任何村（社区）内")
    return (f"网格 {row['codes'][0]} 有 {m2(row['area_m2'])} 超出所属村（社区）"
            f"{row['village_code']} 的村界，{where}。")


def sliver(row: dict, grid: GridSettings) -> str:
    return (f"网格 {row['codes'][0]} 疑似狭长碎片：面积 {m2(row['area_m2'])}，"
            f"紧凑度 {row['compactness']:.3f}（下限：面积 {grid.sliver_min_area_m2:g} 平方米，"
            f"紧凑度 {grid.sliver_max_thinness:g}）。")


def households(row: dict, grid: GridSettings) -> str:
    side = "偏少" if row["households"] < grid.households_min else "偏多"
    return (f"网格 {row['codes'][0]} 有 {row['households']} 户，超出户数范围 "
            f"{grid.households_min}-{grid.households_max} 户（{side}）。")


def coverage_edge(code: str, pieces: int, generation_id: int) -> str:
    return (f"网格 {code} 有 {pieces} 段边界与相邻网格的顶点不一一对应（对侧缺少顶点，"
            "或两侧的边几乎重合但不完全重合）：落在那里的点可能不属于任何网格。"
            f"运行 `onegrid grid repair {generation_id}` 可使两侧顶点一致。")


def off_grid(vertices: int, cells: int, generation_id: int) -> str:
    return (f"{cells} 个网格的 {vertices} 个顶点不在 1e-7 度的精度格网上；"
            f"运行 `onegrid grid repair {generation_id}` 可将其取整到格网。")
