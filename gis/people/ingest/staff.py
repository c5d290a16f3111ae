"""The staff kind of the people import: one row per assignment (a staff member with three
cells is three rows sharing a staff number, or a name and phone when there is none)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.people.ingest.area import outside_area, restricted
from gis.people.ingest.report import ImportReport
from gis.people.ingest.store import copy_rows, reserve_ids
from gis.people.ingest.validate import Problem, RowReader
from gis.reference import STAFF_ROLES

YES_NO = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False,
          "true": True, "false": False, "1": True, "0": False, "党员": True, "群众": False}


def role_names() -> dict[str, str]:
    """Every way a role may be written (code, 中文名, English name), lower-cased → code."""
    names: dict[str, str] = {}
    for code, zh, en in STAFF_ROLES:
        names.update({code: code, zh.lower(): code, en.lower(): code})
    return names


def parse(reader: RowReader, roles: dict[str, str]) -> dict:
    cell_code = reader.text("cell_code", required=True)
    if cell_code is not None and not (len(cell_code) == 15 and cell_code.isdigit()):
        reader.fail("cell_code", f"{cell_code!r} is not a 15-digit cell code")
    valid_from, valid_to = reader.date("valid_from"), reader.date("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        reader.fail("valid_to", "is before the start date")
    phone = reader.text("phone")
    if phone is not None and (len(phone) > 20 or not phone.replace("-", "").isdigit()):
        reader.fail("phone", f"{phone!r} is not a phone number")
    duty = reader.text("duty")
    if duty is not None and len(duty) > 200:
        reader.fail("duty", "is longer than 200 characters")
    name = reader.text("name", required=True)
    if name is not None and len(name) > 100:
        reader.fail("name", "is longer than 100 characters")
    staff_no = reader.text("staff_no")
    if staff_no is not None and len(staff_no) > 40:
        reader.fail("staff_no", "is longer than 40 characters")
    return {"name": name, "staff_no": staff_no, "phone": phone,
            "party_member": reader.choice("party_member", YES_NO) or False,
            "cell_code": cell_code, "role": reader.choice("role", roles, required=True),
            "valid_from": valid_from, "valid_to": valid_to, "duty": duty}


def _person_key(record: dict) -> tuple:
    return ("no", record["staff_no"]) if record["staff_no"] else (
        "name", record["name"], record["phone"])


def _check_cells(session: Session, records: list[dict], principal,
                 report: ImportReport) -> list[dict]:
    known = set(session.execute(text(
        "SELECT DISTINCT code FROM grid_cells WHERE code = ANY(:v)"),
        {"v": sorted({r["cell_code"] for r in records})}).scalars())
    refused = outside_area(principal, {i: r["cell_code"] for i, r in enumerate(records)})
    kept = []
    for i, record in enumerate(records):
        if record["cell_code"] not in known:
            report.invalid.append(Problem(record["where"], "cell_code",
                                          f"no cell {record['cell_code']}"))
        elif i in refused:
            report.invalid.append(Problem(record["where"], "cell_code",
                                          f"the assignment {refused[i]}"))
        else:
            kept.append(record)
    return kept


def _staff_ids(session: Session, records: list[dict], report: ImportReport) -> dict:
    """person key -> staff id: the stored staff member with that number (if the caller
    sees them), else a new one. A number taken by staff the caller cannot see is reported
    as a duplicate without saying where (row-level security hides them)."""
    numbers = sorted({r["staff_no"] for r in records if r["staff_no"]})
    ids = {("no", no): staff_id for no, staff_id in session.execute(text(
        "SELECT staff_no, id FROM staff WHERE staff_no = ANY(:v)"), {"v": numbers}).all()}
    first_of: dict[tuple, dict] = {}
    for record in records:
        first_of.setdefault(_person_key(record), record)
    new = [(key, record) for key, record in first_of.items() if key not in ids]
    reserved = reserve_ids(session, table="staff", count=len(new))
    for staff_id, (key, record) in zip(reserved, new, strict=True):
        if _insert_staff(session, staff_id, record):
            ids[key] = staff_id
            report.stored += 1
        else:
            report.duplicates.append(Problem(record["where"], "staff_no",
                                             "this staff number is already registered"))
    return ids


def _insert_staff(session: Session, staff_id: int, record: dict) -> bool:
    """One new member; False when the staff number is taken. Plain INSERT, without
    RETURNING or ON CONFLICT: both apply the SELECT policy, which hides a member with no
    assignment yet. A member without a number cannot clash, so needs no savepoint."""
    statement = text("INSERT INTO staff (id, name, staff_no, phone, party_member) "
                     "VALUES (:id, :name, :no, :phone, :pm)")
    values = {"id": staff_id, "name": record["name"], "no": record["staff_no"],
              "phone": record["phone"], "pm": record["party_member"]}
    if record["staff_no"] is None:
        session.execute(statement, values)
        return True
    try:
        with session.begin_nested():
            session.execute(statement, values)
    except IntegrityError:
        return False
    return True


def store_staff(session: Session, records: list[dict], report: ImportReport, *,
                principal=None, **_) -> None:
    """Staff members (new ones counted in `stored`) and their assignments
    (`assigned_to_cell`); an assignment overlapping a stored one of the same person, cell
    and role is a duplicate, not an error."""
    records = _check_cells(session, records, principal, report)
    if restricted(principal) and report.invalid and not report.skip_invalid:
        return  # nothing will be written: do not take ids or insert staff for nothing
    ids = _staff_ids(session, records, report)
    rows = [(ids[_person_key(r)], r["cell_code"], r["role"], r["valid_from"], r["valid_to"],
             r["duty"], r["where"]) for r in records if _person_key(r) in ids]
    quote = session.get_bind().dialect.identifier_preparer.quote
    stage = quote("staged_staff_assignments")
    # Assignments are under row-level security, which refuses COPY FROM: stage, then
    # INSERT (the policy's WITH CHECK sees every row). ON CONFLICT DO NOTHING skips rows
    # clashing with the overlap exclusion constraint, stored or earlier in the file.
    session.execute(text(f"CREATE TEMPORARY TABLE {stage} (n int, staff_id bigint, "
                         "cell_code char(15), role_code text, valid_from date, valid_to date, "
                         "duty text) ON COMMIT DROP"))
    copy_rows(session, table="staged_staff_assignments",
              columns=("n", "staff_id", "cell_code", "role_code", "valid_from", "valid_to",
                       "duty"), rows=((n, *row[:-1]) for n, row in enumerate(rows)))
    written = set()
    for n in range(len(rows)):  # row by row: ON CONFLICT must see earlier rows of the file
        written |= set(session.execute(text(
            f"INSERT INTO staff_assignments (staff_id, cell_code, role_code, valid_from, "
            f"valid_to, duty) SELECT staff_id, cell_code, role_code, "
            f"coalesce(valid_from, current_date), valid_to, duty FROM {stage} WHERE n = :n "
            "ON CONFLICT DO NOTHING RETURNING :n"), {"n": n}).scalars())
    session.execute(text(f"DROP TABLE {stage}"))
    report.assigned_to_cell = len(written)
    report.duplicates += [Problem(row[-1], "assignment", "this person already holds this role "
                                  "in this cell over an overlapping period")
                          for n, row in enumerate(rows) if n not in written]
