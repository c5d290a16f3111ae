"""Point -> cell and regions in one prepared statement on an asyncpg pool (the /locate fast path).

The answer is the same dict `gis.grid.service.locate` builds, from one statement
(gis/sql/locate_point.sql) that also resolves ?generation= / ?at= / the active generation.
The same statement text can run on a SQLAlchemy session (`locate_point_sync`): tests use
that to see the rows of their rolled-back transaction, which a pool connection cannot.

No row-level-security role switch here: cells, pieces, generations and regions are not
area-bound data (the 0003_rls policies cover people and households), so every caller
holding cells:read may see every cell, as the sync /locate does."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from gis.errors import InvalidInput, NotFound
from gis.grid.service import to_wgs84_point
from gis.sql import HERE, query

# A :name bind, not a ::cast and not a time literal like '10:30'.
_BIND = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_COMMENT = re.compile(r"--[^\n]*")  # our .sql files hold no '--' inside string literals
_SQL_NAME = "locate_point"


@dataclass(frozen=True)
class PointQuery:
    """What /locate was asked, already parsed: coordinates as given, and the generation."""

    lon: float
    lat: float
    crs: str | None = None
    generation_id: int | None = None
    at: dt.date | None = None


@cache
def asyncpg_statement() -> tuple[str, tuple[str, ...]]:
    """locate_point.sql in asyncpg's form (see to_asyncpg)."""
    return to_asyncpg(sql_text())


def sql_text() -> str:
    return (HERE / f"{_SQL_NAME}.sql").read_text()


def to_asyncpg(sql: str) -> tuple[str, tuple[str, ...]]:
    """SQL with :name binds turned into asyncpg's $1..$n, and the bind names in order."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    # Comments go first: a ":word" in prose must not become a parameter.
    return _BIND.sub(number, _COMMENT.sub("", sql)), tuple(names)


def _binds(asked: PointQuery) -> tuple[dict, tuple[float, float]]:
    """The statement's parameters, after the checks service.locate and the params make."""
    if asked.generation_id is not None and asked.at is not None:
        raise InvalidInput("give either generation or at, not both", where="query")
    lon, lat = to_wgs84_point(asked.lon, asked.lat, asked.crs)
    return ({"lon": lon, "lat": lat, "generation_id": asked.generation_id, "at": asked.at},
            (lon, lat))


async def locate_point(pool, asked: PointQuery, *,
                       statement: tuple[str, tuple[str, ...]] | None = None) -> dict:
    """The /locate answer from an asyncpg pool: one round trip, a prepared statement.

    `statement` (from to_asyncpg) swaps in another SQL with the same binds and columns:
    bench/locate.py runs its naive peer through this very function."""
    binds, point = _binds(asked)
    sql, names = statement or asyncpg_statement()
    async with pool.acquire() as connection:
        # asyncpg caches the prepared statement per connection (statement_cache_size).
        row = await connection.fetchrow(sql, *(binds[n] for n in names))
    return shape_answer(asked, point, row)


def locate_point_sync(session: Session, asked: PointQuery) -> dict:
    """The same statement on a SQLAlchemy session (tests, and any sync caller)."""
    binds, point = _binds(asked)
    row = session.execute(query(_SQL_NAME), binds).mappings().one()
    return shape_answer(asked, point, row)


def shape_answer(asked: PointQuery, point: tuple[float, float], row) -> dict:
    """The JSON of /locate (the fields of service.locate), or NotFound for no generation."""
    if row["generation_id"] is None:
        raise _no_generation(asked)
    lon, lat = point
    cell = None
    if row["cell_id"] is not None:
        cell = {"id": row["cell_id"], "code": row["cell_code"], "name": row["cell_name"],
                "kind": row["cell_kind"]}
    given = {"lon": asked.lon, "lat": asked.lat, "crs": asked.crs}
    return {
        "lon": lon, "lat": lat, "generation": row["generation_id"],
        **({"given": given} if asked.crs else {}),
        "cell": cell,
        "village": _region(row, "village"), "town": _region(row, "town"),
        "district": _region(row, "district"),
    }


def _region(row, level: str) -> dict | None:
    code = row[f"{level}_code"]
    return None if code is None else {"code": code, "name": row[f"{level}_name"]}


def _no_generation(asked: PointQuery) -> NotFound:
    # The messages of gis.grid.generations.resolve_generation, so both paths read alike.
    if asked.generation_id is not None:
        return NotFound(f"generation {asked.generation_id} does not exist",
                        where="generation")
    if asked.at is not None:
        return NotFound(f"no generation was in force on {asked.at.isoformat()}", where="at")
    return NotFound("there is no active generation yet: load the demo or import a grid "
                    "and activate it", where="generation")
