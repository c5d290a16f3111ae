"""Every user-facing string of the audit report, dashboard and coverage map: 中文 + English."""
from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "title": ("网格力量配置审计", "Staffing audit"),
    "report": ("网格力量配置审计报告", "Staffing audit report"),
    "as_of": ("统计日期", "As of"),
    "area": ("范围", "Area"),
    "whole_area": ("本人权限范围内全部网格", "every cell of your area"),
    "generation": ("网格版本", "Generation"),
    "headline": ("总体情况", "Headline figures"),
    "rules": ("配置标准", "Standards"),
    "rule": ("规则", "Rule"),
    "status": ("结果", "Result"),
    "checked": ("适用网格", "Cells checked"),
    "failed": ("未达标网格", "Cells failing"),
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "disabled": ("未启用", "off"),
    "map": ("未达标规则数分布", "Rules failed per cell"),
    "regions": ("区域汇总", "By region"),
    "worst": ("问题最多的网格", "Worst cells"),
    "workers": ("需关注的人员", "Workers to look at"),
    "trends": ("月度趋势", "Trend by month"),
    "workload": ("工作量", "Workload"),
    "cells": ("网格数", "cells"),
    "households": ("户数", "households"),
    "fulltime_workers": ("专职网格员", "full-time workers"),
    "grid_heads": ("网格长", "grid heads"),
    "households_per_fulltime": ("每名专职网格员户数", "households per full-time worker"),
    "vacancies": ("空缺岗位", "vacancies"),
    "cells_failing": ("未达标网格", "cells failing a rule"),
    "none": ("无", "none"),
    "language": ("English", "中文"),
    "dashboard": ("网格力量看板", "Staffing dashboard"),
    "exports": ("导出", "Exports"),
    "coverage_map": ("覆盖地图", "Coverage map"),
    "region_tree": ("区域", "Regions"),
    "loading": ("加载中…", "Loading…"),
    "login": ("登录", "Log in"),
    "measure": ("指标", "Measure"),
    "special_per_helper": ("每名帮扶人特殊人群数", "special population per helper"),
    "rules_failed": ("未达标规则数", "rules failed"),
    "no_data": ("无数据", "no data"),
    "visit_source": ("走访按各记录的最近走访日期计算（系统未保存逐次走访记录）",
                     "visits are measured from each record's last visit date (no visit log "
                     "is kept)"),
}


def texts(lang: str) -> dict[str, str]:
    index = 0 if lang == "zh" else 1
    return {key: pair[index] for key, pair in TEXT.items()}
