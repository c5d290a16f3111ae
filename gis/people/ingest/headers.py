"""Column headers → fields: a declared mapping (--mapping file.json) or known synonyms."""
from __future__ import annotations

import json
import re
from pathlib import Path

from gis.errors import InvalidInput

# field -> header synonyms (compared after normalise()). Chinese first: most files are.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("楼栋编号", "楼栋编码", "建筑编号", "building_code", "buildingcode", "code", "编号"),
    "building_code": ("楼栋编号", "楼栋编码", "所属楼栋", "building_code", "buildingcode",
                      "building"),
    "address": ("标准地址", "地址", "详细地址", "住址", "address", "standard_address"),
    "name": ("姓名", "名称", "楼栋名称", "name"),
    "floors": ("层数", "楼层数", "floors"),
    "external_id": ("户编号", "户号", "家庭编号", "household_id", "householdid", "external_id"),
    "household_id": ("户编号", "户号", "所属户", "联系户编号", "household_id", "householdid",
                     "household"),
    "members": ("人数", "户人数", "家庭人口数", "members", "member_count", "size"),
    "lon": ("经度", "lon", "lng", "long", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "idnumber",
                  "id_no", "id_card"),
    "phone": ("联系电话", "电话", "手机号", "手机号码", "phone", "mobile", "tel"),
    "residence": ("人口类型", "户籍类型", "居住类型", "residence", "residence_type"),
    "category": ("类别", "人员类别", "人群类别", "category", "category_code"),
    "concern_level": ("关注程度", "关注等级", "concern_level", "concern", "level"),
    "danger_level": ("危险性评估等级", "危险等级", "danger_level"),
    "helper": ("帮扶责任人", "帮扶人", "责任人", "helper", "helper_name"),
    "visit_interval_days": ("走访周期", "走访间隔", "走访周期天", "visit_interval",
                            "visit_interval_days"),
    "start_date": ("列管日期", "开始日期", "start_date"),
    "note": ("备注", "note", "remarks"),
    "staff_no": ("工号", "人员编号", "staff_no", "staff_number", "employee_id"),
    "cell_code": ("网格编码", "网格编号", "网格代码", "所属网格", "cell_code", "cell"),
    "role": ("岗位", "职务", "角色", "人员类型", "role", "role_code", "position"),
    "party_member": ("是否党员", "党员", "政治面貌", "party_member", "party"),
    "valid_from": ("起始日期", "任职日期", "上岗日期", "开始日期", "valid_from", "from"),
    "valid_to": ("终止日期", "离任日期", "结束日期", "valid_to", "to"),
    "duty": ("值班安排", "值班时间", "排班", "duty", "duty_schedule", "schedule"),
}

# Which fields each kind reads; the required ones must be found or declared.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "buildings": (("address",), ("code", "name", "floors", "lon", "lat")),
    "households": (("external_id",), ("address", "building_code", "members", "lon", "lat")),
    "persons": (("name", "id_number"), ("household_id", "phone", "residence")),
    "special": (("id_number", "category", "concern_level"),
                ("name", "helper", "visit_interval_days", "danger_level", "start_date", "note")),
    "staff": (("name", "cell_code", "role"),
              ("staff_no", "phone", "party_member", "valid_from", "valid_to", "duty")),
    # households a registered party member looks after: the member by number or name
    "party_households": (("household_id",), ("staff_no", "name", "valid_from", "valid_to")),
}
KINDS = tuple(FIELDS)


def normalise(header: object) -> str:
    """Lower case without spaces, underscores, hyphens or a bracketed unit: 'Lon (°)' → 'lon'."""
    text = re.sub(r"[（(].*?[)）]", "", str(header or ""))
    return re.sub(r"[\s_\-]+", "", text).lower()


def load_mapping(path: Path | None) -> dict[str, str]:
    """A JSON object {field: header as written in the file}."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read the mapping file: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput('the mapping must be a JSON object {"field": "header"}',
                           where=str(path))
    return data


def resolve_columns(kind: str, headers: list[str], declared: dict[str, str],
                    *, where: str) -> dict[str, str]:
    """field -> header of this file; declared entries win over synonyms."""
    required, optional = FIELDS[kind]
    known = set(required) | set(optional)
    unknown = sorted(set(declared) - known)
    if unknown:
        raise InvalidInput(f"mapping names fields that {kind} do not have: {unknown}; "
                           f"known fields: {sorted(known)}", where=where)
    present = {normalise(h): h for h in headers if h is not None}
    columns: dict[str, str] = {}
    for field, header in declared.items():
        if header not in headers:
            raise InvalidInput(f"mapping says {field} is column {header!r}, which the file "
                               f"does not have; its columns: {headers}", where=where)
        columns[field] = header
    for field in (*required, *optional):
        if field not in columns:
            found = next((present[normalise(s)] for s in SYNONYMS[field]
                          if normalise(s) in present), None)
            if found is not None and found not in columns.values():
                columns[field] = found
    missing = [f for f in required if f not in columns]
    if missing:
        raise InvalidInput(f"no column found for {missing} (columns: {headers}); name it with "
                           f"one of {[SYNONYMS[f][:3] for f in missing]} or declare it with "
                           '--mapping {"field": "header"}', where=where)
    return columns
