"""Bulk insert with PostgreSQL COPY through the session's own connection (same transaction)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY rows into table(columns); table and column names are our own constants."""
    raw = session.connection().connection.driver_connection
    count = 0
    column_list = ", ".join(columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
