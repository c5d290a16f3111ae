"""The seeded routing of the incident catalogue: department, 三事分流 triage, working time.

Defaults for a district to change (they are data in incident_categories once migrated);
the categories themselves are gis.reference.INCIDENT_CATEGORIES. Triage: major (大事,
government handles), minor (小事, the community consults and handles), private (私事,
residents handle themselves, with help)."""
from __future__ import annotations

# code -> (department, triage, counted in working time)
ROUTING = {
    "public_order": ("派出所 police station", "major", False),
    "dispute": ("综治中心 comprehensive-governance centre", "minor", True),
    "dispute.neighbour": ("人民调解委员会 people's mediation committee", "minor", True),
    "dispute.family": ("人民调解委员会 people's mediation committee", "minor", True),
    "dispute.land": ("自然资源所 natural-resources office", "major", True),
    "dispute.labour": ("人社所 labour and social-security office", "major", True),
    "safety_hazard": ("应急管理办 emergency-management office", "major", False),
    "safety_hazard.fire": ("消防救援站 fire and rescue station", "major", False),
    "safety_hazard.building": ("住建办 housing and construction office", "major", False),
    "city_appearance": ("城管执法中队 urban-management squad", "minor", True),
    "city_appearance.litter": ("环卫所 sanitation office", "minor", False),
    "street_order": ("城管执法中队 urban-management squad", "minor", False),
    "street_order.vendor": ("城管执法中队 urban-management squad", "minor", False),
    "construction": ("住建办 housing and construction office", "major", True),
    "public_facility": ("市政所 municipal-facilities office", "minor", True),
    "public_facility.manhole": ("市政所 municipal-facilities office", "minor", False),
    "special_population": ("综治中心 comprehensive-governance centre", "major", False),
    "emergency": ("应急管理办 emergency-management office", "major", False),
}

# Categories the first catalogue lacked: resident affairs (私事) handled with help.
EXTRA = [
    # (code, parent, 中文, English, hours, department, triage, working time)
    ("resident_affairs", None, "居民自治事务", "residents' own affairs", 120,
     "村(居)委会 village/residents' committee", "private", True),
    ("resident_affairs.repair", "resident_affairs", "住户维修求助", "home repair help", 72,
     "物业/村(居)委会 property manager or committee", "private", True),
]

# Categories citizens' Open311 apps neither see nor report (handled inside government).
NOT_PUBLIC = ("public_order", "dispute", "dispute.neighbour", "dispute.family", "dispute.land",
              "dispute.labour", "special_population")

# Open311 service-definition attributes (GeoReport v2 "attribute"), per category code.
ATTRIBUTES = {
    "public_facility.manhole": [
        {"code": "cover_state", "datatype": "singlevaluelist", "required": True, "order": 1,
         "description": "井盖状况 What is wrong with the cover?",
         "values": [{"key": "missing", "name": "缺失 missing"},
                    {"key": "broken", "name": "破损 broken"},
                    {"key": "sunken", "name": "下沉 sunken"}]},
        {"code": "traffic", "datatype": "singlevaluelist", "required": False, "order": 2,
         "description": "位于车行道? Is it in the roadway?",
         "values": [{"key": "road", "name": "车行道 roadway"},
                    {"key": "pavement", "name": "人行道 pavement"}]},
    ],
    "street_order.vendor": [
        {"code": "goods", "datatype": "multivaluelist", "required": False, "order": 1,
         "description": "经营内容 What is sold?",
         "values": [{"key": "food", "name": "餐饮 food"}, {"key": "fruit", "name": "水果 fruit"},
                    {"key": "other", "name": "其他 other"}]},
        {"code": "since", "datatype": "datetime", "required": False, "order": 2,
         "description": "开始时间 Since when?"},
    ],
}
