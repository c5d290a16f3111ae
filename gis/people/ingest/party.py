"""The party_households kind of the people import: one row per household a serving party
member (or deputy) registered in their home cell looks after (联系户).

A row names the member (staff number, or name when unique among the registered members)
and the household (户编号, its external id). The member must hold a party post today in
the cell the household is placed in (active generation); the link is stored with that
cell's code, which is what row-level security and the audit read."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.grid.generations import resolve_generation
from gis.people.ingest.area import outside_area
from gis.people.ingest.report import ImportReport
from gis.people.ingest.validate import Problem, RowReader

PARTY_ROLES = ("party_member", "deputy")

# Today's party posts of the given staff (by number or by name), and the cell of each
# given household in the active generation (households placed by building or by hand).
MEMBERS = """
SELECT s.id, s.staff_no, s.name, array_agg(DISTINCT a.cell_code ORDER BY a.cell_code) AS cells
FROM staff AS s
JOIN staff_assignments AS a ON a.staff_id = s.id
WHERE (s.staff_no = ANY (:numbers) OR s.name = ANY (:names)) AND s.active
  AND a.role_code = ANY (:roles)
  AND a.valid_from <= current_date AND (a.valid_to IS NULL OR a.valid_to >= current_date)
GROUP BY s.id, s.staff_no, s.name
"""
HOUSEHOLDS = """
SELECT h.external_id, h.id, c.code
FROM households AS h
LEFT JOIN household_cells AS hc ON hc.household_id = h.id
LEFT JOIN grid_cells AS c ON c.id = hc.cell_id
  AND c.generation_low <= :generation AND (c.generation_high IS NULL
                                           OR c.generation_high >= :generation)
WHERE h.external_id = ANY (:ids)
ORDER BY c.code NULLS LAST
"""


def parse(reader: RowReader) -> dict:
    staff_no, name = reader.text("staff_no"), reader.text("name")
    if staff_no is None and name is None:
        reader.fail("staff_no", "give the member's staff number (工号) or name (姓名)")
    valid_from, valid_to = reader.date("valid_from"), reader.date("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        reader.fail("valid_to", "is before the start date")
    return {"staff_no": staff_no, "name": name,
            "household": reader.text("household_id", required=True),
            "valid_from": valid_from, "valid_to": valid_to}


def _members(session: Session, records: list[dict]) -> tuple[dict, dict]:
    """staff number -> (id, cells); name -> (id, cells), or a message when two share it."""
    by_no, by_name = {}, {}
    for row in session.execute(text(MEMBERS), {
            "numbers": sorted({r["staff_no"] for r in records if r["staff_no"]}),
            "names": sorted({r["name"] for r in records if r["name"] and not r["staff_no"]}),
            "roles": list(PARTY_ROLES)}).mappings():
        if row["staff_no"]:
            by_no[row["staff_no"]] = (row["id"], row["cells"])
        by_name[row["name"]] = (f"{row['name']} names more than one registered party member:"
                                " use the staff number" if row["name"] in by_name
                                else (row["id"], row["cells"]))
    return by_no, by_name


def _resolve(record: dict, by_no: dict, by_name: dict, homes: dict) -> tuple | str:
    """(staff id, cell code, household id) for the row, or why not."""
    who = record["staff_no"] or record["name"]
    member = by_no.get(record["staff_no"]) if record["staff_no"] else by_name.get(
        record["name"])
    if member is None:
        return f"{who} is not a serving party member or deputy registered in a cell today"
    if isinstance(member, str):
        return member
    home = homes.get(record["household"])
    if home is None:
        return f"no household {record['household']} (in your area)"
    household_id, cell_code = home
    if cell_code is None:
        return f"household {record['household']} is in no cell"
    staff_id, cells = member
    if cell_code not in cells:
        return (f"household {record['household']} is in cell {cell_code}; {who} is "
                f"registered in {', '.join(cells)}")
    return staff_id, cell_code, household_id


def store_party_households(session: Session, records: list[dict], report: ImportReport, *,
                           principal=None, **_) -> None:
    """Links (stored); one already open for the member and household is a duplicate."""
    by_no, by_name = _members(session, records)
    homes = {}
    for external_id, household_id, code in session.execute(text(HOUSEHOLDS), {
            "ids": sorted({r["household"] for r in records}),
            "generation": resolve_generation(session).id}).all():
        homes.setdefault(external_id, (household_id, code))
    resolved = {}
    for i, record in enumerate(records):
        found = _resolve(record, by_no, by_name, homes)
        if isinstance(found, str):
            report.invalid.append(Problem(record["where"], "household_id", found))
        else:
            resolved[i] = found
    refused = outside_area(principal, {i: cell for i, (_, cell, _) in resolved.items()})
    for i, why in refused.items():
        report.invalid.append(Problem(records[i]["where"], "household_id", f"the household {why}"))
    rows = [(i, *resolved[i]) for i in resolved if i not in refused]
    # ON CONFLICT DO NOTHING: an open link of the same member and household (stored, or
    # earlier in this file) is skipped (ux_party_households_open) and reported.
    written = set(session.execute(text(
        "INSERT INTO party_households (staff_id, cell_code, household_id, valid_from, "
        "valid_to) SELECT r.staff_id, r.cell_code, r.household_id, "
        "coalesce(r.valid_from, current_date), r.valid_to "
        "FROM unnest(CAST(:n AS int[]), CAST(:staff AS bigint[]), CAST(:cells AS text[]), "
        "CAST(:households AS bigint[]), CAST(:froms AS date[]), CAST(:tos AS date[])) "
        "AS r(n, staff_id, cell_code, household_id, valid_from, valid_to) "
        "ORDER BY r.n ON CONFLICT DO NOTHING RETURNING staff_id, household_id"), {
            "n": [i for i, *_ in rows], "staff": [s for _, s, _, _ in rows],
            "cells": [c for _, _, c, _ in rows], "households": [h for *_, h in rows],
            "froms": [records[i]["valid_from"] for i, *_ in rows],
            "tos": [records[i]["valid_to"] for i, *_ in rows]}).all()) if rows else set()
    report.stored = len(written)
    report.assigned_to_cell = len(written)
    seen = set()
    for i, staff_id, _, household_id in rows:
        key = (staff_id, household_id)
        if key not in written or key in seen:
            report.duplicates.append(Problem(records[i]["where"], "household_id",
                                             "this member already looks after this household"))
        seen.add(key)
