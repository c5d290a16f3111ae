"""Points -> cells and regions on an asyncpg pool (the /locate fast path), batched.

One statement (gis/sql/locate_points.sql) answers a batch of points: it resolves
?generation= / ?at= / the active generation, finds each point's cell and names the cell's
own village, town and district. `PointBatcher` coalesces concurrent lookups into such
batches. The same statement runs on a SQLAlchemy session (`locate_point_sync`): tests use
that to see the rows of their rolled-back transaction, which a pool connection cannot.

No row-level-security role switch here: cells, pieces, generations and regions are not
area-bound data (the 0003_rls policies cover people and households), so every caller
holding cells:read may see every cell."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from gis.errors import DatabaseUnavailable, InvalidInput, NotFound
from gis.grid.service import to_wgs84_point
from gis.sql import HERE, query

# A :name bind, not a ::cast and not a time literal like '10:30'.
_BIND = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_COMMENT = re.compile(r"--[^\n]*")  # our .sql files hold no '--' inside string literals
_SQL_NAME = "locate_points"

Statement = tuple[str, tuple[str, ...]]  # asyncpg SQL text and its bind names in order


@dataclass(frozen=True)
class PointQuery:
    """What /locate was asked, already parsed: coordinates as given, and the generation."""

    lon: float
    lat: float
    crs: str | None = None
    generation_id: int | None = None
    at: dt.date | None = None


@cache
def asyncpg_statement() -> Statement:
    """locate_points.sql in asyncpg's form (see to_asyncpg)."""
    return to_asyncpg(sql_text())


def sql_text() -> str:
    return (HERE / f"{_SQL_NAME}.sql").read_text()


def to_asyncpg(sql: str) -> Statement:
    """SQL with :name binds turned into asyncpg's $1..$n, and the bind names in order."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    # Comments go first: a ":word" in prose must not become a parameter.
    return _BIND.sub(number, _COMMENT.sub("", sql)), tuple(names)


def checked_point(asked: PointQuery) -> tuple[float, float]:
    """The WGS84 point asked about, after the checks of the coordinates and generation."""
    if asked.generation_id is not None and asked.at is not None:
        raise InvalidInput("give either generation or at, not both", where="query")
    return to_wgs84_point(asked.lon, asked.lat, asked.crs)


def _checked(asked: PointQuery) -> tuple[tuple[float, float], tuple]:
    """(WGS84 point, generation key), after the checks of the coordinates and generation."""
    return checked_point(asked), (asked.generation_id, asked.at)


async def _fetch(pool, statement: Statement, points: list[tuple[float, float]],
                 generation: tuple) -> list:
    sql, names = statement
    binds = {"lons": [p[0] for p in points], "lats": [p[1] for p in points],
             "generation_id": generation[0], "at": generation[1]}
    try:
        async with pool.acquire() as connection:
            # asyncpg caches the prepared statement per connection (statement_cache_size).
            return await connection.fetch(sql, *(binds[n] for n in names))
    except Exception as exc:
        if connection_lost(exc):  # the pool opens a fresh connection next time
            raise DatabaseUnavailable("the database is unavailable; try again shortly") \
                from exc
        raise


def connection_lost(exc: BaseException) -> bool:
    """Refused or broken connections, and a server shutting down or starting up."""
    import asyncpg

    sqlstate = getattr(exc, "sqlstate", None) or ""
    return isinstance(exc, OSError | asyncpg.InterfaceError) or \
        sqlstate.startswith(("08", "57P"))


async def locate_point(pool, asked: PointQuery, *, statement: Statement | None = None) -> dict:
    """One lookup on its own round trip (no batching): the /locate answer for `asked`."""
    point, generation = _checked(asked)
    rows = await _fetch(pool, statement or asyncpg_statement(), [point], generation)
    return shape_answer(asked, point, rows[0])


class PointBatcher:
    """Concurrent lookups coalesced into one statement per round trip (a DataLoader).

    A lookup that finds a connection free goes at once, with whatever arrived in the same
    event-loop turn; while all `lanes` connections are busy, lookups queue, and the next
    free connection takes up to `max_batch` of them (same generation key) in one statement.
    Under light load nothing waits; under heavy load one round trip answers many points,
    which cuts the per-statement work of the database and of the driver alike."""

    def __init__(self, pool, *, lanes: int, max_batch: int = 64,
                 statement: Statement | None = None):
        self.pool = pool
        self.lanes = max(1, lanes)
        self.max_batch = max_batch
        self.statement = statement or asyncpg_statement()
        self._waiting: dict[tuple, list[tuple[tuple[float, float], asyncio.Future]]] = {}
        self._running = 0
        self._drainers: set[asyncio.Task] = set()  # the loop keeps only weak references

    async def locate(self, asked: PointQuery) -> dict:
        point, generation = _checked(asked)
        future = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(generation, []).append((point, future))
        if self._running < self.lanes:
            self._running += 1
            drainer = asyncio.ensure_future(self._drain())
            self._drainers.add(drainer)
            drainer.add_done_callback(self._drainers.discard)
        return shape_answer(asked, point, await future)

    async def _drain(self) -> None:
        """Run batches until nothing waits; at most `lanes` of these run at once."""
        # A new task first runs on the loop's next turn: lookups that arrived in this turn
        # are in the first batch already.
        try:
            while self._waiting:
                generation, batch = self._take()
                try:
                    rows = await _fetch(self.pool, self.statement, [p for p, _ in batch],
                                        generation)
                except Exception as exc:  # the database's error belongs to every caller
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), row in zip(batch, rows, strict=True):
                    if not future.done():  # a caller that went away cancelled its future
                        future.set_result(row)
        finally:
            self._running -= 1

    def _take(self) -> tuple[tuple, list]:
        generation = next(iter(self._waiting))
        queue = self._waiting[generation]
        batch, rest = queue[:self.max_batch], queue[self.max_batch:]
        if rest:
            self._waiting[generation] = rest
        else:
            del self._waiting[generation]
        return generation, batch


def locate_point_sync(session: Session, asked: PointQuery) -> dict:
    """The same statement on a SQLAlchemy session (tests, and any sync caller)."""
    (lon, lat), (generation_id, at) = _checked(asked)
    row = session.execute(query(_SQL_NAME), {"lons": [lon], "lats": [lat],
                                             "generation_id": generation_id,
                                             "at": at}).mappings().one()
    return shape_answer(asked, (lon, lat), row)


def shape_answer(asked: PointQuery, point: tuple[float, float], row) -> dict:
    """The JSON of /locate, or NotFound when no generation answers the question."""
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
    return missing_generation(asked.generation_id, asked.at)


def missing_generation(generation_id: int | None, at: dt.date | None) -> NotFound:
    """Why no generation answers ?generation= / ?at= / "the active one" (the tile lane too)."""
    # The messages of gis.grid.generations.resolve_generation, so both paths read alike.
    if generation_id is not None:
        return NotFound(f"generation {generation_id} does not exist", where="generation")
    if at is not None:
        return NotFound(f"no generation was in force on {at.isoformat()}", where="at")
    return NotFound("there is no active generation yet: load the demo or import a grid "
                    "and activate it", where="generation")
