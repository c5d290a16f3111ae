"""Mapbox Vector Tiles of cells and regions (ST_AsMVT), bounds-checked z/x/y.

One statement per tile (gis/sql/tiles_cells.sql, tiles_regions.sql) resolves the
generation, applies the caller's area and cuts the tile: the tile lane
(api/tile_lane.py) runs it on the asyncpg pool in one round trip (`scoped_tile`); the same
statement runs on a SQLAlchemy session, inside that session's area (`scoped_tile_sync`:
tests, bench.reads, any sync caller)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from gis.errors import DatabaseUnavailable, InvalidInput, NotFound
from gis.grid.locate_async import Statement, connection_lost, missing_generation, to_asyncpg
from gis.sql import HERE, query

MAX_ZOOM = 22
EXTENT = 4096  # tile coordinate space, the MVT default
BUFFER = 64  # pixels of geometry kept beyond the tile edge, so strokes join seamlessly
# layer name -> (query, level, how many leading code digits a region shares with its villages)
LAYERS = {"cells": ("tiles_cells", None, None),
          "villages": ("tiles_regions", "village", 12),
          "towns": ("tiles_regions", "town", 9)}
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class TileQuery:
    """A tile asked for: layer, z/x/y, and the generation (?generation= / ?at= / active)."""

    layer: str
    z: int
    x: int
    y: int
    generation_id: int | None = None
    at: dt.date | None = None


@dataclass(frozen=True)
class Tile:
    """The tile's bytes (empty when no feature touches it) and the generation shown."""

    generation_id: int
    data: bytes


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise NotFound(f"no tile at zoom {z}: zoom runs from 0 to {MAX_ZOOM}", where="z")
    top = 2**z - 1
    if not (0 <= x <= top and 0 <= y <= top):
        raise NotFound(f"tile {z}/{x}/{y} does not exist: x and y run from 0 to {top} "
                       f"at zoom {z}", where="x/y")


def tile_binds(asked: TileQuery, area: dict[str, str] | None) -> tuple[str, dict]:
    """(statement name, binds) after the checks of layer, z/x/y and generation.

    area: the transaction settings of gis.auth.scope.rls_settings (the caller's area), or
    None for the area the transaction already carries (a session scoped by gis.auth.rls)."""
    if asked.layer not in LAYERS:
        raise NotFound(f"no tile layer {asked.layer!r}; layers: {', '.join(LAYERS)}",
                       where="layer")
    check_tile(asked.z, asked.x, asked.y)
    if asked.generation_id is not None and asked.at is not None:
        raise InvalidInput("give either generation or at, not both", where="query")
    name, level, prefix = LAYERS[asked.layer]
    area = area or {}
    return name, {"z": asked.z, "x": asked.x, "y": asked.y, "extent": EXTENT,
                  "buffer": BUFFER, "margin": BUFFER / EXTENT,
                  "generation_id": asked.generation_id, "at": asked.at,
                  "layer": asked.layer, "level": level, "prefix": prefix,
                  "scope_all": area.get("onegrid.scope_all"),
                  "scope_prefixes": area.get("onegrid.scope_prefixes"),
                  "scope_cells": area.get("onegrid.scope_cells")}


def _tile(asked: TileQuery, row) -> Tile:
    if row is None or row["generation_id"] is None:
        raise missing_generation(asked.generation_id, asked.at)
    return Tile(generation_id=row["generation_id"], data=bytes(row["tile"] or b""))


def scoped_tile_sync(session: Session, asked: TileQuery) -> Tile:
    """The tile on a SQLAlchemy session, within the area its transaction carries."""
    name, binds = tile_binds(asked, None)
    return _tile(asked, session.execute(query(name), binds).mappings().first())


def vector_tile(session: Session, *, layer: str, z: int, x: int, y: int,
                generation_id: int) -> bytes:
    """The tile's bytes; empty when no feature touches it."""
    asked = TileQuery(layer=layer, z=z, x=x, y=y, generation_id=generation_id)
    return scoped_tile_sync(session, asked).data


@cache
def asyncpg_statement(name: str) -> Statement:
    """A tile statement in asyncpg's form ($1..$n and the bind names in order)."""
    return to_asyncpg((HERE / f"{name}.sql").read_text())


async def scoped_tile(pool, asked: TileQuery, *, area: dict[str, str]) -> Tile:
    """The tile on the asyncpg pool: one statement, one round trip, the caller's area."""
    name, binds = tile_binds(asked, area)
    sql, names = asyncpg_statement(name)
    try:
        async with pool.acquire() as connection:
            # asyncpg caches the prepared statement per connection (statement_cache_size);
            # the statement is its own transaction: the area ends with it
            row = await connection.fetchrow(sql, *(binds[n] for n in names))
    except Exception as exc:
        if connection_lost(exc):  # the pool opens a fresh connection next time
            raise DatabaseUnavailable("the database is unavailable; try again shortly") \
                from exc
        raise
    return _tile(asked, row)
