"""Roster rows for export: one row per assignment, role names in the export's language."""
from __future__ import annotations

from gis.reference import STAFF_ROLES

ROLE_NAMES = {code: (zh, en) for code, zh, en in STAFF_ROLES}


def roster_rows(items: list[dict], *, lang: str) -> list[dict]:
    """Staff dicts (gis.staff.roster.staff_dict) flattened: one row per assignment."""
    rows = []
    for s in items:
        for a in s["assignments"] or [{}]:
            role = a.get("role")
            names = ROLE_NAMES.get(role, (role, role))
            rows.append({"id": s["id"], "staff_no": s["staff_no"], "name": s["name"],
                         "phone": s["phone"], "party_member": s["party_member"],
                         "cell_code": a.get("cell_code"), "role": role,
                         "role_name": names[0] if lang == "zh" else names[1],
                         "valid_from": a.get("valid_from"), "valid_to": a.get("valid_to"),
                         "duty": a.get("duty")})
    return rows
