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
