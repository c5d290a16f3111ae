"""Bulk insert with PostgreSQL COPY through the session's own connection (same transaction)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def identifier(name: str) -> str:
    """A table or column name of our own schema, double-quoted; anything else is refused."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def reserve_ids(session: Session, table: str, count: int) -> int:
    """Take `count` consecutive ids from the table's own sequence; returns the first.

    The rows are then COPYed with explicit ids (so related rows can refer to them) and the
    sequence is already past them: no max(id) scan, no setval afterwards."""
    return session.execute(text(
        "SELECT setval(seq, nextval(seq) + :count - 1) - :count + 1"
        " FROM pg_get_serial_sequence(:table, 'id') AS seq"),
        {"table": table, "count": max(count, 1)}).scalar_one()


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY rows into table(columns); table and column names are our own constants."""
    raw = session.connection().connection.driver_connection
    count = 0
    column_list = ", ".join(identifier(c) for c in columns)
    statement = f"COPY {identifier(table)} ({column_list}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
