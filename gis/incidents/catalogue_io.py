"""The incident catalogue as a spreadsheet: export (CSV/XLSX) and import (dry run unless
committed). Rows are upserted by code, parents before children; a file with any bad row
is refused whole, each problem named by row and column."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput
from gis.incidents.models import IncidentCategory
from gis.people.ingest.readers import open_source
from gis.settings import ImportSettings

COLUMNS = ("code", "parent", "name_zh", "name_en", "time_limit_hours", "working_time",
           "department", "triage", "active", "open311_public")
CODE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
TRUE, FALSE = {"true", "1", "yes", "y", "是"}, {"false", "0", "no", "n", "否"}
MAX_ERRORS = 20

_UPSERT = text("""
    INSERT INTO incident_categories (code, parent_id, name_zh, name_en, time_limit_hours,
                                     working_time, department, triage, active, open311_public)
    VALUES (:code, (SELECT id FROM incident_categories WHERE code = :parent), :name_zh,
            :name_en, :time_limit_hours, :working_time, :department, :triage, :active,
            :open311_public)
    ON CONFLICT (code) DO UPDATE SET
        parent_id = EXCLUDED.parent_id, name_zh = EXCLUDED.name_zh,
        name_en = EXCLUDED.name_en, time_limit_hours = EXCLUDED.time_limit_hours,
        working_time = EXCLUDED.working_time, department = EXCLUDED.department,
        triage = EXCLUDED.triage, active = EXCLUDED.active,
        open311_public = EXCLUDED.open311_public""")


def export_rows(session: Session) -> list[dict]:
    rows = list(session.execute(select(IncidentCategory).order_by(IncidentCategory.code))
                .scalars())
    codes = {c.id: c.code for c in rows}
    return [{"code": c.code, "parent": codes.get(c.parent_id, ""), "name_zh": c.name_zh,
             "name_en": c.name_en,
             "time_limit_hours": float(c.time_limit_hours) if c.time_limit_hours else "",
             "working_time": c.working_time, "department": c.department or "",
             "triage": c.triage or "", "active": c.active, "open311_public": c.open311_public}
            for c in rows]


def import_file(session: Session, *, data: bytes, filename: str, commit: bool,
                limits: ImportSettings) -> dict:
    source = open_source(data, filename=filename, limits=limits)
    missing = [c for c in ("code", "name_zh", "name_en") if c not in source.headers]
    if missing:
        raise InvalidInput(f"{filename} lacks the column(s) {', '.join(missing)}; the columns "
                           f"are {', '.join(COLUMNS)}", where=filename)
    existing = {r["code"]: r for r in export_rows(session)}
    records, problems = [], []
    for row in source.rows:
        try:
            records.append(_record(row.values, label=row.label))
        except InvalidInput as exc:
            problems.append(exc.message)
    known = set(existing) | {r["code"] for r in records}
    problems += [f"{r['_label']}: parent {r['parent']} is not in the catalogue or the file"
                 for r in records if r["parent"] and r["parent"] not in known]
    if problems:
        raise InvalidInput(f"{filename}: {len(problems)} row(s) refused, nothing imported; "
                           f"first: {problems[0]}", where=filename,
                           details={"problems": problems[:MAX_ERRORS]})
    added = [r["code"] for r in records if r["code"] not in existing]
    changed = [r["code"] for r in records if r["code"] in existing
               and _comparable(r) != _comparable(existing[r["code"]])]
    if commit:
        for record in sorted(records, key=lambda r: r["code"].count(".")):
            session.execute(_UPSERT, {k: v for k, v in record.items() if k != "_label"})
        session.flush()
    return {"committed": commit, "rows": len(records), "added": added, "changed": changed,
            "unchanged": len(records) - len(added) - len(changed)}


def _record(values: dict, *, label: str) -> dict:
    def cell(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value).strip()

    code = cell("code")
    if not CODE.match(code):
        raise InvalidInput(f"{label}, code: {code[:40]!r} is not a code like street_order.vendor")
    hours = None
    if cell("time_limit_hours"):
        try:
            hours = Decimal(cell("time_limit_hours"))
        except InvalidOperation:
            hours = Decimal(-1)
        if not 0 < hours < Decimal("1e6"):
            raise InvalidInput(f"{label}, time_limit_hours: {cell('time_limit_hours')[:20]!r}"
                               " is not a number of hours above 0")
    triage = cell("triage") or None
    if triage not in (None, "major", "minor", "private"):
        raise InvalidInput(f"{label}, triage: {triage[:20]!r} is not major, minor or private")
    for name in ("name_zh", "name_en"):
        if not cell(name) or len(cell(name)) > 200:
            raise InvalidInput(f"{label}, {name}: needs 1-200 characters")
    return {"_label": label, "code": code, "parent": cell("parent") or None,
            "name_zh": cell("name_zh"), "name_en": cell("name_en"), "time_limit_hours": hours,
            "working_time": _flag(cell("working_time"), False, f"{label}, working_time"),
            "department": cell("department")[:200] or None, "triage": triage,
            "active": _flag(cell("active"), True, f"{label}, active"),
            "open311_public": _flag(cell("open311_public"), True, f"{label}, open311_public")}


def _flag(value: str, default: bool, where: str) -> bool:
    if not value:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise InvalidInput(f"{where}: {value[:20]!r} is not true or false")


def _comparable(row: dict) -> tuple:
    hours = row["time_limit_hours"]
    return (row["parent"] or "", row["name_zh"], row["name_en"],
            float(hours) if hours not in (None, "") else None, bool(row["working_time"]),
            row["department"] or "", row["triage"] or "", bool(row["active"]),
            bool(row["open311_public"]))
