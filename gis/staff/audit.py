"""The staffing audit: each standard per cell and per region, vacancies, named workers,
trends by month. Set-based SQL (gis/sql/audit_staffing_*.sql); this module binds the
standards' numbers, the caller's area and shapes the answer."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.access_log import log_person_read
from gis.auth.principal import Principal
from gis.auth.scope import region_prefix
from gis.errors import InvalidInput
from gis.grid.generations import resolve_generation
from gis.people.rollups import scope_prefixes
from gis.sql import query
from gis.staff import workload as case_workload
from gis.staff.standards import Standards

# (rule, 中文, English, what its numbers are)
RULES = (
    ("grid_head", "每个网格有网格长", "every cell has a grid head"),
    ("fulltime_worker", "每个网格有专职网格员", "every cell has a full-time worker"),
    ("households_per_fulltime", "专职网格员服务户数不超标",
     "households per full-time worker within the standard"),
    ("high_concern_helper", "高关注特殊人群均有帮扶人",
     "every high-concern special-population person has a helper"),
    ("high_concern_visit", "高关注特殊人群按期走访",
     "every high-concern special-population person visited in time"),
    ("party_member", "较大网格有在职党员", "a serving party member in every larger cell"),
    ("one_town_per_worker", "网格员不跨乡镇", "no worker posted in two towns"),
    ("households_per_party_member", "在职党员联系户数不超标",
     "no serving party member looks after too many households"),
)
RULE_NAMES = {code: (zh, en) for code, zh, en in RULES}
VISIT_SOURCE = ("measured from each record's last visit date (last_visited_on); the schema "
                "keeps no log of individual visits")


def bind(standards: Standards, *, principal: Principal, generation_id: int,
         region: str | None, today: dt.date) -> dict:
    """The bind parameters of the audit queries: area, thresholds, which rules are on."""
    if region is not None and not (region.isdigit() and len(region) in (6, 9, 12, 15)):
        raise InvalidInput("region must be a 6-, 9-, 12- or 15-digit code", where="region")
    s = standards
    return {
        "generation_id": generation_id, "today": today,
        "region_prefix": region_prefix(region) if region else None,
        "scope_prefixes": scope_prefixes(principal),
        "min_grid_heads": s.grid_head.min_per_cell, "min_fulltime": s.fulltime_worker.min_per_cell,
        "max_households": s.households_per_fulltime.max_households,
        "visit_days": s.high_concern_visit.within_days,
        "party_min_households": s.party_member.min_households,
        "party_roles": list(s.party_member.roles), "town_roles": list(s.one_town_per_worker.roles),
        "party_max_households": s.households_per_party_member.max_households,
        "months": s.trends.months,
        **{f"on_{code}": getattr(s, code).enabled for code, _, _ in RULES},
    }


def as_of(today: dt.date | None, now: dt.datetime | None) -> tuple[dt.date, dt.datetime]:
    """The audit's day and moment: now (default the clock) and its date, or the end of the
    day asked for (an audit as of a past day counts what was open, overdue, at its end)."""
    if now is None:
        now = (dt.datetime.combine(today, dt.time.max, tzinfo=dt.UTC) if today
               else dt.datetime.now(dt.UTC))
    return today or dt.date.today(), now


def run_audit(session: Session, *, principal: Principal, standards: Standards,
              region: str | None = None, today: dt.date | None = None,
              now: dt.datetime | None = None, workload_days: int | None = None,
              reason: str | None = None, client: str | None = None) -> dict:
    """The whole audit of the caller's area (or a region of it), as of today (or now);
    workload_days: the workload window (default: the standards' workload.window_days)."""
    if workload_days is not None and not 1 <= workload_days <= 3660:
        raise InvalidInput("the workload window must be 1 to 3660 days", where="workload_days")
    today, now = as_of(today, now)
    generation = resolve_generation(session)
    params = bind(standards, principal=principal, generation_id=generation.id, region=region,
                  today=today)
    # Measured once into a temporary table that the rollup, worker list and trend read.
    session.execute(text("DROP TABLE IF EXISTS audit_cells"))
    session.execute(text("CREATE TEMPORARY TABLE audit_cells ON COMMIT DROP AS "
                         + query("audit_staffing_cells").text), params)
    session.execute(text("ANALYZE audit_cells"))
    cells = [dict(r) for r in session.execute(text(
        "SELECT * FROM audit_cells ORDER BY code")).mappings()]
    regions = [dict(r) for r in session.execute(query("audit_staffing_regions")).mappings()]
    workers = [dict(r) for r in session.execute(query("audit_staffing_workers"), params)
               .mappings()]
    trends = [dict(r) for r in session.execute(query("audit_staffing_trends"), params)
              .mappings()]
    workload = case_workload.measure(
        session, now=now, window_days=workload_days or standards.workload.window_days)
    session.execute(text("DROP TABLE audit_cells"))
    named = sorted({w["staff_id"] for w in workers + workload["workers"] if w["name"]})
    if named:  # names of staff are personal data: the read is logged
        log_person_read(session, principal=principal, subject_type="staff", ids=named,
                        reason=reason, client=client, action="audit")
    for cell in cells:
        cell["failed_rules"] = [code for code, _, _ in RULES
                                if params[f"on_{code}"] and cell[f"pass_{code}"] is False]
    return {"as_of": today.isoformat(), "generation": generation.id, "region": region,
            "standards": standards.model_dump(), "rules": rule_summary(cells, params),
            "workload": case_workload.merge(workload, cells=cells, regions=regions),
            "totals": totals(cells), "cells": cells,
            "regions": regions, "workers": workers, "trends": trends}


def rule_summary(cells: list[dict], params: dict) -> list[dict]:
    """Each rule over the audited cells: applicable cells, failing cells, status."""
    out = []
    for code, zh, en in RULES:
        applicable = [c for c in cells if c[f"pass_{code}"] is not None]
        failed = sum(1 for c in applicable if c[f"pass_{code}"] is False)
        status = ("disabled" if not params[f"on_{code}"]
                  else "fail" if failed else "pass")
        rule = {"rule": code, "name_zh": zh, "name_en": en, "status": status,
                "checked": len(applicable), "failed": failed}
        if code == "high_concern_visit":
            rule["source"] = VISIT_SOURCE
        out.append(rule)
    return out


def totals(cells: list[dict]) -> dict:
    households = sum(c["households"] for c in cells)
    fulltime = sum(c["fulltime_workers"] for c in cells)
    return {"cells": len(cells), "households": households, "fulltime_workers": fulltime,
            "grid_heads": sum(c["grid_heads"] for c in cells),
            "households_per_fulltime": round(households / fulltime, 1) if fulltime else None,
            "vacancies": sum(c["vacancies"] for c in cells),
            "cells_failing": sum(1 for c in cells if c["rules_failed"] > 0)}


def cell_shapes(session: Session, *, result: dict) -> list[dict]:
    """SVG outlines of the audited cells (the printable report's map)."""
    codes = [c["code"] for c in result["cells"]]
    if not codes:
        return []
    return [dict(r) for r in session.execute(query("audit_cells_svg"), {
        "generation_id": result["generation"], "codes": codes}).mappings()]


def cell_geometries(session: Session, *, result: dict, tolerance: float = 1e-5) -> dict:
    """cell code -> GeoJSON geometry of the audited cells (the coverage maps)."""
    codes = [c["code"] for c in result["cells"]]
    if not codes:
        return {}
    return dict(session.execute(query("audit_cells_geojson"), {
        "generation_id": result["generation"], "codes": codes, "tolerance": tolerance}).all())
