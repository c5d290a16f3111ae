"""Staff for the roster and audit tests: hired straight into the tables (as fixtures)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

YEAR_AGO = dt.date.today() - dt.timedelta(days=365)


def hire(session: Session, *, name: str, cells: list[str], role: str,
         phone: str | None = "13912345678", party_member: bool = False,
         since: dt.date = YEAR_AGO, until: dt.date | None = None) -> int:
    staff_id = session.execute(text(
        "INSERT INTO staff (name, phone, party_member) VALUES (:n, :p, :pm) RETURNING id"),
        {"n": name, "p": phone, "pm": party_member}).scalar_one()
    for code in cells:
        session.execute(text(
            "INSERT INTO staff_assignments (staff_id, cell_code, role_code, valid_from, "
            "valid_to) VALUES (:s, :c, :r, :f, :t)"),
            {"s": staff_id, "c": code, "r": role, "f": since, "t": until})
    return staff_id


def add_case(session: Session, cell_id: int, *, status: str, staff: int | None = None,
             dispatched: dt.datetime | None = None, due: dt.datetime | None = None,
             closed: dt.datetime | None = None) -> int:
    """A case in the cell (straight into the table), reported an hour before its dispatch
    (or on 2025-01-01), of the first category."""
    reported = (dispatched or dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) - dt.timedelta(hours=1)
    return session.execute(text(
        "INSERT INTO incidents (code, category_id, source, status, title, cell_id, "
        " assigned_staff_id, reported_at, dispatched_at, due_at, closed_at) "
        "VALUES ('SJ' || nextval('incidents_id_seq'), (SELECT min(id) FROM incident_categories),"
        " 'patrol', :status, 'case', :cell, :staff, :reported, :dispatched, :due, :closed) "
        "RETURNING id"),
        {"status": status, "cell": cell_id, "staff": staff, "reported": reported,
         "dispatched": dispatched, "due": due, "closed": closed}).scalar_one()
