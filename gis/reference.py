"""Code tables from DOMAIN.md (staff roles, special populations, incident categories, roles).

Values marked (verify) in DOMAIN.md are defaults: they live here and in the database,
not scattered through the code, so a district can change them.
"""
from __future__ import annotations

STAFF_ROLES = [
    ("grid_head", "网格长", "grid head"),
    ("fulltime_worker", "专职网格员", "full-time grid worker"),
    ("parttime_worker", "兼职网格员", "part-time grid worker"),
    ("safety_officer", "平安员", "safety officer"),
    ("patrol", "综治巡逻员", "comprehensive-governance patrol"),
    ("mediator", "驻所调解员", "resident mediator"),
    ("urban_assistant", "城管协管员", "urban-management assistant"),
    ("market_inspector", "市场监管员", "market inspector"),
    ("judicial_assistant", "司法协管员", "judicial assistant"),
    ("antidrug_social_worker", "禁毒社工", "anti-drug social worker"),
    ("building_head", "楼栋长", "building head"),
    ("auxiliary_police", "辅警", "auxiliary police"),
    ("party_member", "在职党员", "serving party member"),
    ("deputy", "两代表一委员", "deputy / committee member"),
]

# (code, parent, 中文, English). Sub-category codes follow GB/T 31000-2015 (verify).
SPECIAL_POPULATIONS = [
    ("community_correction", None, "社区矫正人员", "community correction"),
    ("released_prisoner", None, "刑满释放人员", "released prisoner"),
    ("mental_disorder", None, "严重精神障碍患者", "severe mental disorder"),
    ("drug_user", None, "吸毒人员", "drug user in community rehabilitation"),
    ("key_youth", None, "重点青少年", "key youth"),
    ("key_youth.01", "key_youth", "闲散青少年", "idle youth"),
    ("key_youth.02", "key_youth", "有不良行为青少年", "youth with bad behaviour"),
    ("key_youth.03", "key_youth", "流浪乞讨未成年人", "street-begging minor"),
    ("key_youth.04", "key_youth", "服刑人员未成年子女", "minor child of a prisoner"),
    ("key_youth.05", "key_youth", "农村留守儿童", "rural left-behind child"),
    ("key_youth.99", "key_youth", "其他", "other"),
    ("left_behind", None, "留守人员", "left-behind person"),
    ("left_behind.01", "left_behind", "留守老人", "left-behind elderly"),
    ("left_behind.02", "left_behind", "留守妇女", "left-behind woman"),
    ("left_behind.03", "left_behind", "留守儿童", "left-behind child"),
    ("hardship", None, "困难群体", "hardship household"),
    ("elderly_alone", None, "独居老人", "elderly living alone"),
    ("disabled", None, "残疾人", "disabled person"),
]

# (code, parent, 中文, English, time limit in hours). Limits are defaults (verify locally).
INCIDENT_CATEGORIES = [
    ("public_order", None, "治安", "public order", 24),
    ("dispute", None, "矛盾纠纷", "dispute", 72),
    ("dispute.neighbour", "dispute", "邻里纠纷", "neighbour dispute", 72),
    ("dispute.family", "dispute", "婚姻家庭纠纷", "family dispute", 72),
    ("dispute.land", "dispute", "土地山林纠纷", "land dispute", 168),
    ("dispute.labour", "dispute", "劳动保障纠纷", "labour dispute", 120),
    ("safety_hazard", None, "安全隐患", "safety hazard", 24),
    ("safety_hazard.fire", "safety_hazard", "消防隐患", "fire hazard", 12),
    ("safety_hazard.building", "safety_hazard", "房屋安全", "unsafe building", 24),
    ("city_appearance", None, "市容环境", "city appearance", 48),
    ("city_appearance.litter", "city_appearance", "暴露垃圾", "exposed rubbish", 24),
    ("street_order", None, "街面秩序", "street order", 24),
    ("street_order.vendor", "street_order", "占道经营", "street vending", 12),
    ("construction", None, "施工管理", "construction", 48),
    ("public_facility", None, "公共设施", "public facility", 72),
    ("public_facility.manhole", "public_facility", "井盖破损", "broken manhole cover", 8),
    ("special_population", None, "特殊人群事件", "special-population event", 12),
    ("emergency", None, "突发事件", "emergency", 2),
]

INCIDENT_SOURCES = ("patrol", "hotline", "citizen", "camera", "sensor", "other")
INCIDENT_STATUSES = ("reported", "registered", "dispatched", "handling", "feedback",
                     "verified", "closed", "cancelled")

# Application roles and their permissions; area scopes narrow them further.
ROLES = {
    "admin": ("Administrator", ["*"]),
    "planner": ("Planner", ["regions:read", "cells:read", "cells:write", "generations:write",
                            "imports:write", "households:read"]),
    "dispatcher": ("Dispatcher", ["regions:read", "cells:read", "incidents:read",
                                  "incidents:write", "staff:read"]),
    "manager": ("Manager", ["regions:read", "cells:read", "households:read", "persons:read",
                            "incidents:read", "staff:read", "staff:write", "staff:reveal",
                            "audit:read"]),
    "grid_worker": ("Grid worker", ["regions:read", "cells:read", "households:read",
                                    "households:write", "persons:read", "persons:write",
                                    "incidents:read", "incidents:write"]),
    "auditor": ("Auditor", ["regions:read", "cells:read", "access_log:read", "staff:read",
                            "audit:read"]),
    "integration": ("Integration", ["cells:read", "incidents:write"]),
}


# What each permission lets a role do (SECURITY.md's table is generated from these and
# ROLES; tests/test_security_doc.py keeps them in step). Area scopes narrow every one.
PERMISSIONS = {
    "regions:read": "read regions (districts, towns, villages)",
    "cells:read": "read cells, generations, validation reports, tiles; locate a point",
    "cells:write": "edit cells of a draft: add, redraw, remove, split, merge, propose",
    "generations:write": "create, discard and activate a draft generation",
    "imports:write": "import regions, layers, roads and people files (persons and "
                     "special populations need persons:write as well)",
    "households:read": "read households, buildings and household counts",
    "households:write": "add and change households and buildings",
    "persons:read": "read persons and special-population records",
    "persons:write": "add and change persons and special-population records",
    "incidents:read": "read incidents",
    "incidents:write": "report and handle incidents",
    "staff:read": "read staff and rosters",
    "staff:write": "change staff and rosters",
    "staff:reveal": "see staff phone numbers in clear (with a reason; logged)",
    "audit:read": "read the staffing audit, its exports, coverage maps and dashboard",
    "access_log:read": "read the access log of personal data",
}


def staff_role_rows() -> list[dict]:
    return [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in STAFF_ROLES]


def special_population_rows() -> list[dict]:
    return [{"code": c, "parent_code": p, "name_zh": zh, "name_en": en}
            for c, p, zh, en in SPECIAL_POPULATIONS]


def incident_category_rows() -> list[dict]:
    return [{"code": c, "parent": p, "name_zh": zh, "name_en": en, "hours": h}
            for c, p, zh, en, h in INCIDENT_CATEGORIES]


def role_rows() -> list[dict]:
    return [{"code": c, "name": name, "permissions": perms}
            for c, (name, perms) in ROLES.items()]
