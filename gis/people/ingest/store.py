"""Bulk writes for imports: ids reserved up front, rows streamed with COPY."""
from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session


def reserve_ids(session: Session, *, table: str, count: int) -> list[int]:
    """Take `count` ids from the table's sequence so rows can be traced back after COPY."""
    if count == 0:
        return []
    return list(session.execute(text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table, "n": count}).scalars())


def copy_rows(session: Session, *, table: str, columns: tuple[str, ...],
              rows: Iterable[tuple]) -> int:
    """COPY rows into table on the session's own connection (same transaction/savepoint).

    Geometries are passed as EWKT text ('SRID=4326;POINT(lon lat)'), which PostGIS parses
    on input; bytes go as bytea. COPY is several times faster than executemany at 100k rows."""
    session.flush()
    cursor = session.connection().connection.driver_connection.cursor()
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    written = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def ewkt(geom) -> str | None:
    return None if geom is None else f"SRID=4326;{geom.wkt}"
