"""Bulk insert with PostgreSQL COPY through the session's own connection (same transaction)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def identifier(name: str) -> str:
    """A table or column name of our own schema, double-quoted; anything else is refused."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


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
