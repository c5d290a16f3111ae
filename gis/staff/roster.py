"""The roster: staff and their time-bounded cell assignments, scoped by the caller's area.

Phones are masked unless the caller may reveal them (staff:reveal, with a reason), and
every read of staff records is logged like a read of persons (gis/auth/access_log.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.auth.access_log import log_person_read
from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause
from gis.errors import Conflict, InvalidInput, NotFound
from gis.grid.service import Page
from gis.people.common import paged, region_filter, require_area
from gis.people.idnumbers import mask_phone
from gis.staff.models import Staff, StaffAssignment
from gis.staff.party import households_of
from gis.staff.schemas import AssignmentIn, StaffIn, StaffUpdate

REVEAL = "staff:reveal"
OVERLAP = "ex_staff_assignments_overlap"
STAFF_NO_TAKEN = "staff_staff_no_key"


def _current(on: dt.date):
    return (StaffAssignment.valid_from <= on) & (
        StaffAssignment.valid_to.is_(None) | (StaffAssignment.valid_to >= on))


def assignment_dict(a: StaffAssignment) -> dict:
    return {"id": a.id, "cell_code": a.cell_code, "role": a.role_code,
            "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat() if a.valid_to else None, "duty": a.duty}


def staff_dict(s: Staff, assignments: list[StaffAssignment], *, reveal: bool = False) -> dict:
    out = {"id": s.id, "staff_no": s.staff_no, "name": s.name,
           "phone": s.phone if reveal else mask_phone(s.phone),
           "party_member": s.party_member, "active": s.active,
           "assignments": [assignment_dict(a) for a in assignments]}
    return out | ({"revealed": True} if reveal else {})


def _matching(principal: Principal, *, cell: str | None, region: str | None,
              role: str | None, on: dt.date | None):
    """Staff with an assignment in the caller's area matching the filters (current on `on`)."""
    conditions = [StaffAssignment.staff_id == Staff.id,
                  cell_code_clause(principal, StaffAssignment.cell_code)]
    if on is not None:
        conditions.append(_current(on))
    if cell:
        conditions.append(StaffAssignment.cell_code == cell)
    if (by_region := region_filter(StaffAssignment.cell_code, region)) is not None:
        conditions.append(by_region)
    if role:
        conditions.append(StaffAssignment.role_code == role)
    return select(Staff).where(exists().where(*conditions))


def _assignments_of(session: Session, principal: Principal, staff_ids: list[int], *,
                    on: dt.date | None) -> dict[int, list[StaffAssignment]]:
    if not staff_ids:
        return {}
    stmt = select(StaffAssignment).where(StaffAssignment.staff_id.in_(staff_ids),
                                         cell_code_clause(principal, StaffAssignment.cell_code))
    if on is not None:
        stmt = stmt.where(_current(on))
    out: dict[int, list[StaffAssignment]] = {}
    for a in session.scalars(stmt.order_by(StaffAssignment.valid_from, StaffAssignment.id)):
        out.setdefault(a.staff_id, []).append(a)
    return out


def list_staff(session: Session, *, principal: Principal, reason: str | None,
               client: str | None, cell: str | None = None, region: str | None = None,
               role: str | None = None, q: str | None = None, current: bool = True,
               page: Page = Page(), action: str = "list") -> dict:
    """Staff of the caller's area; current=True: only those assigned today (with today's
    assignments), False: anyone ever assigned (with every assignment)."""
    on = dt.date.today() if current else None
    stmt = _matching(principal, cell=cell, region=region, role=role, on=on)
    if q:
        stmt = stmt.where(or_(Staff.name.contains(q, autoescape=True),
                              Staff.staff_no == q))
    rows, matched = paged(session, stmt.order_by(Staff.id), page=page, key=Staff.id)
    people = [r.Staff for r in rows]
    assignments = _assignments_of(session, principal, [s.id for s in people], on=on)
    log_person_read(session, principal=principal, subject_type="staff",
                    ids=[s.id for s in people], reason=reason, client=client, action=action)
    return {"items": [staff_dict(s, assignments.get(s.id, [])) for s in people],
            "numberMatched": matched, "numberReturned": len(people),
            "next_after": str(people[-1].id) if len(people) == page.limit else None}


def _one(session: Session, principal: Principal, staff_id: int) -> Staff:
    """A staff member the caller may see: one with an assignment (ever) in their area, or
    anyone for a caller without an area limit (a member with no assignment yet too)."""
    stmt = (select(Staff) if principal.unrestricted else
            _matching(principal, cell=None, region=None, role=None, on=None))
    staff = session.scalars(stmt.where(Staff.id == staff_id)).first()
    if staff is None:
        raise NotFound(f"staff member {staff_id} does not exist or is outside your area",
                       where="staff_id")
    return staff


def get_staff(session: Session, *, principal: Principal, staff_id: int, reason: str | None,
              client: str | None, reveal: bool = False) -> dict:
    if reveal:
        principal.require(REVEAL)
    staff = _one(session, principal, staff_id)
    log_person_read(session, principal=principal,
                    subject_type="staff_unmasked" if reveal else "staff", ids=[staff_id],
                    reason=reason, client=client, sensitive=reveal,
                    action="reveal" if reveal else "read")
    history = _assignments_of(session, principal, [staff_id], on=None).get(staff_id, [])
    # the households a registered party member looks after (none for other staff)
    return staff_dict(staff, history, reveal=reveal) | {
        "households": households_of(session, principal=principal, staff_id=staff_id)}


def _add_assignments(session: Session, principal: Principal, staff_id: int,
                     assignments: list[AssignmentIn]) -> None:
    known = set(session.scalars(text(
        "SELECT DISTINCT code FROM grid_cells WHERE code = ANY(:codes)"),
        {"codes": sorted({a.cell_code for a in assignments})}))
    rows = []
    for n, a in enumerate(assignments):
        require_area(principal, a.cell_code)
        if a.cell_code not in known:
            raise NotFound(f"no cell {a.cell_code}", where=f"assignments[{n}].cell_code")
        valid_from = a.valid_from or dt.date.today()
        if a.valid_to is not None and a.valid_to < valid_from:
            raise InvalidInput("valid_to is before valid_from", where=f"assignments[{n}]")
        rows.append(StaffAssignment(staff_id=staff_id, cell_code=a.cell_code,
                                    role_code=a.role, valid_from=valid_from,
                                    valid_to=a.valid_to, duty=a.duty))
    _flush(session, rows)


def _flush(session: Session, new_rows: list | None = None) -> None:
    """Flush in a savepoint (new rows added inside it, so a failure leaves none pending);
    the roster's constraints become 409s that say which."""
    try:
        with session.begin_nested():
            session.add_all(new_rows or [])
            session.flush()
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if name == OVERLAP:
            raise Conflict("this staff member already holds that role in that cell over an "
                           "overlapping period", where="assignments") from None
        if name == STAFF_NO_TAKEN:
            raise Conflict("this staff number is already taken", where="staff_no") from None
        raise


def create_staff(session: Session, *, principal: Principal, data: StaffIn) -> dict:
    """A staff member and their first assignments (a caller with an area must give one:
    a staff member with none would be invisible to them)."""
    if not data.assignments and not principal.unrestricted:
        raise InvalidInput("give at least one assignment to a cell of your area",
                           where="assignments")
    # Insert without RETURNING: the SELECT policy would refuse a row with no assignment
    # yet (migrations/sql/0020_staff_audit_upgrade.sql); the id comes from the sequence.
    staff_id = session.scalar(text("SELECT nextval(pg_get_serial_sequence('staff', 'id'))"))
    try:
        with session.begin_nested():
            session.execute(insert(Staff).values(
                id=staff_id, name=data.name, staff_no=data.staff_no, phone=data.phone,
                party_member=data.party_member, active=True))
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == STAFF_NO_TAKEN:
            raise Conflict("this staff number is already taken", where="staff_no") from None
        raise
    _add_assignments(session, principal, staff_id, data.assignments)
    return staff_dict(_one(session, principal, staff_id),
                      _assignments_of(session, principal, [staff_id], on=None).get(staff_id, []))


def update_staff(session: Session, *, principal: Principal, staff_id: int,
                 data: StaffUpdate) -> dict:
    staff = _one(session, principal, staff_id)
    changes = data.model_dump(exclude_unset=True, exclude={"add_assignments"})
    for field, value in changes.items():
        if value is None and field in ("name", "party_member", "active"):
            raise InvalidInput(f"{field} cannot be empty", where=field)
        setattr(staff, field, value)
    if changes:
        staff.updated_at = func.now()
    _add_assignments(session, principal, staff_id, data.add_assignments)
    return staff_dict(staff, _assignments_of(session, principal, [staff_id],
                                             on=None).get(staff_id, []))


def end_assignment(session: Session, *, principal: Principal, staff_id: int,
                   assignment_id: int, valid_to: dt.date | None = None) -> dict:
    """Close an assignment on its last day (default today); history is kept, never deleted."""
    assignment = session.scalars(select(StaffAssignment).where(
        StaffAssignment.id == assignment_id, StaffAssignment.staff_id == staff_id,
        cell_code_clause(principal, StaffAssignment.cell_code))).first()
    if assignment is None:
        raise NotFound(f"staff member {staff_id} has no assignment {assignment_id} in your "
                       "area", where="assignment_id")
    last_day = valid_to or dt.date.today()
    if last_day < assignment.valid_from:
        raise InvalidInput(f"the assignment began on {assignment.valid_from}: it cannot end "
                           f"on {last_day}", where="valid_to")
    if assignment.valid_to is not None and assignment.valid_to < last_day:
        raise Conflict(f"the assignment already ended on {assignment.valid_to}",
                       where="assignment_id")
    assignment.valid_to = last_day
    _flush(session)
    return assignment_dict(assignment)
