"""The audit as tables for CSV/XLSX (per cell, per region, workers, trend), any language."""
from __future__ import annotations

from gis.errors import InvalidInput
from gis.staff.audit import RULE_NAMES
from gis.staff.labels import relabel
from gis.staff.workload import FIGURES as WORKLOAD_COLUMNS

CELL_COLUMNS = ("code", "cell_name", "households", "staff", "grid_heads", "fulltime_workers",
                "households_per_fulltime", "party_members", "party_households",
                "households_per_party_member", "high_concern",
                "high_concern_without_helper", "high_concern_overdue_visit", "helpers",
                "special_per_helper", "vacancies", "rules_failed", "failed_rules",
                *WORKLOAD_COLUMNS)
REGION_COLUMNS = ("level", "code", "cells", "households", "staff", "grid_heads",
                  "fulltime_workers", "households_per_fulltime", "high_concern",
                  "high_concern_without_helper", "high_concern_overdue_visit", "vacancies",
                  "cells_failing", "fail_grid_head", "fail_fulltime_worker",
                  "fail_households_per_fulltime", "fail_high_concern_helper",
                  "fail_high_concern_visit", "fail_party_member", "fail_one_town_per_worker",
                  "party_households", "fail_households_per_party_member", *WORKLOAD_COLUMNS)
TREND_COLUMNS = ("month", "cells", "cells_with_grid_head", "cells_with_fulltime",
                 "fulltime_workers", "vacancies")
LEVEL_NAMES = {"district": ("区县", "district"), "town": ("乡镇街道", "town"),
               "village": ("村社区", "village")}
TABLES = ("cells", "regions", "workers", "trends", "workload")


def rule_names(codes: list[str], lang: str) -> str:
    if lang == "zh":
        return "；".join(RULE_NAMES[c][0] for c in codes)
    return "; ".join(RULE_NAMES[c][1] for c in codes)


def _number(value):
    """Decimals (SQL numeric) as floats: spreadsheets and JSON read them as numbers."""
    return float(value) if value is not None and not isinstance(value, (int, float, str,
                                                                         list)) else value


def table(result: dict, *, name: str, lang: str) -> list[dict]:
    """One table of the audit, headers in lang (zh or en)."""
    if name not in TABLES:
        raise InvalidInput(f"table must be one of {TABLES}", where="table")
    if name == "cells":
        rows = [{k: _number(c.get("name") if k == "cell_name" else c[k]) for k in CELL_COLUMNS}
                | {"failed_rules": rule_names(c["failed_rules"], lang)}
                for c in result["cells"]]
    elif name == "regions":
        rows = [{k: _number(r[k]) for k in REGION_COLUMNS}
                | {"level": LEVEL_NAMES[r["level"]][0 if lang == "zh" else 1]}
                for r in result["regions"]]
    elif name == "workers":
        rows = [{"staff_id": w["staff_id"], "name": w["name"], "cell_code": ", ".join(w["cells"]),
                 "towns": ", ".join(w["towns"]), "households_load": _number(w["households_load"]),
                 "detail": worker_detail(w, lang)} for w in result["workers"]]
    elif name == "workload":
        rows = [{"staff_id": w["staff_id"], "name": w["name"], "cell_code": ", ".join(w["cells"])}
                | {k: _number(w[k]) for k in WORKLOAD_COLUMNS}
                for w in result["workload"]["workers"]]
    else:
        rows = [{k: _number(t[k]) for k in TREND_COLUMNS} for t in result["trends"]]
    return relabel(rows, lang)


def worker_detail(worker: dict, lang: str) -> str:
    parts = []
    if worker["overloaded"]:
        parts.append("服务户数超标" if lang == "zh" else "over the household standard")
    if worker["in_several_towns"]:
        parts.append("跨乡镇任职" if lang == "zh" else "posted in several towns")
    return ("；" if lang == "zh" else "; ").join(parts)


def export(result: dict, *, fmt: str, lang: str, name: str = "cells") -> tuple[bytes, str]:
    """CSV of one table (utf-8 with BOM, for Excel), or an XLSX with every table a sheet."""
    from gis.exports import XLSX_MEDIA_TYPE, csv_text, xlsx_sheets_bytes

    if fmt == "csv":
        rows = table(result, name=name, lang=lang)
        headers = list(rows[0]) if rows else []
        return (csv_text(headers, ([r[h] for h in headers] for r in rows)).encode("utf-8-sig"),
                "text/csv; charset=utf-8")
    if fmt == "xlsx":
        sheets = []
        for sheet in TABLES:
            rows = table(result, name=sheet, lang=lang)
            headers = list(rows[0]) if rows else []
            sheets.append((SHEET_NAMES[sheet][0 if lang == "zh" else 1], headers,
                           [[r[h] for h in headers] for r in rows]))
        return xlsx_sheets_bytes(sheets), XLSX_MEDIA_TYPE
    raise InvalidInput("format must be csv, xlsx, html or json", where="format")


SHEET_NAMES = {"cells": ("网格", "cells"), "regions": ("区域汇总", "regions"),
               "workers": ("人员", "workers"), "trends": ("月度趋势", "trends"),
               "workload": ("工作量", "workload")}
