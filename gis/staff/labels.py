"""Column headers of roster and audit exports: Chinese first, English twin (?lang=en)."""
from __future__ import annotations

from gis.errors import InvalidInput

LANGS = ("zh", "en")

# field -> (中文, English)
HEADERS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "staff_no": ("工号", "staff number"),
    "name": ("姓名", "name"),
    "phone": ("联系电话", "phone"),
    "party_member": ("党员", "party member"),
    "active": ("在岗", "active"),
    "cell_code": ("网格编码", "cell code"),
    "role": ("岗位", "role"),
    "role_name": ("岗位名称", "role name"),
    "valid_from": ("起始日期", "from"),
    "valid_to": ("终止日期", "to"),
    "duty": ("值班安排", "duty schedule"),
    "code": ("编码", "code"),
    "cell_name": ("网格名称", "cell name"),
    "level": ("层级", "level"),
    "cells": ("网格数", "cells"),
    "households": ("户数", "households"),
    "grid_heads": ("网格长", "grid heads"),
    "fulltime_workers": ("专职网格员", "full-time workers"),
    "households_per_fulltime": ("每名专职网格员户数", "households per full-time worker"),
    "party_members": ("在职党员", "serving party members"),
    "high_concern": ("高关注特殊人群", "high-concern special population"),
    "high_concern_without_helper": ("无帮扶人", "without a helper"),
    "high_concern_overdue_visit": ("走访逾期", "visit overdue"),
    "special_per_helper": ("每名帮扶人特殊人群数", "special population per helper"),
    "vacancies": ("空缺", "vacancies"),
    "rules_failed": ("未达标规则数", "rules failed"),
    "failed_rules": ("未达标规则", "failed rules"),
    "rule": ("规则", "rule"),
    "status": ("结果", "status"),
    "checked": ("检查数", "checked"),
    "failed": ("未达标数", "failed"),
    "detail": ("说明", "detail"),
    "staff_id": ("人员编号", "staff id"),
    "towns": ("所在乡镇", "towns"),
    "month": ("月份", "month"),
    "staff": ("在岗人员", "staff"),
    "helpers": ("帮扶人", "helpers"),
    "cells_failing": ("未达标网格数", "cells failing"),
    "cells_with_grid_head": ("有网格长的网格数", "cells with a grid head"),
    "cells_with_fulltime": ("有专职网格员的网格数", "cells with a full-time worker"),
    "fail_grid_head": ("缺网格长", "no grid head"),
    "fail_fulltime_worker": ("缺专职网格员", "no full-time worker"),
    "fail_households_per_fulltime": ("服务户数超标", "too many households per worker"),
    "fail_high_concern_helper": ("缺帮扶人", "high concern without helper"),
    "fail_high_concern_visit": ("走访逾期", "visits overdue"),
    "fail_party_member": ("缺在职党员", "no party member"),
    "fail_one_town_per_worker": ("跨乡镇任职", "worker in two towns"),
    "households_load": ("服务户数", "households served"),
    "party_households": ("党员联系户数", "households looked after by party members"),
    "households_per_party_member": ("每名在职党员联系户数",
                                    "households looked after per party member"),
    "fail_households_per_party_member": ("党员联系户超标", "party member with too many "
                                         "households"),
    "open_cases": ("在办事件", "open cases"),
    "overdue_cases": ("超时事件", "overdue cases"),
    "received_cases": ("统计期派遣事件", "cases dispatched in the window"),
    "closed_cases": ("其中已结案", "of which closed"),
    "closure_rate": ("结案率", "closure rate"),
    "median_hours_to_close": ("结案时长中位数（小时）", "median hours to close"),
}


def header(field: str, lang: str) -> str:
    if lang not in LANGS:
        raise InvalidInput(f"lang must be one of {LANGS}", where="lang")
    zh, en = HEADERS.get(field, (field, field))
    return zh if lang == "zh" else en


def relabel(rows: list[dict], lang: str) -> list[dict]:
    """Rows with their keys as headers in the language asked for (order kept)."""
    return [{header(k, lang): v for k, v in row.items()} for row in rows]
