"""Mapbox Vector Tiles of cells and regions (ST_AsMVT), bounds-checked z/x/y."""
from __future__ import annotations

from sqlalchemy.orm import Session

from gis.errors import NotFound
from gis.sql import query

MAX_ZOOM = 22
EXTENT = 4096  # tile coordinate space, the MVT default
BUFFER = 64  # pixels of geometry kept beyond the tile edge, so strokes join seamlessly
# layer name -> (query, level, how many leading code digits a region shares with its villages)
LAYERS = {"cells": ("tiles_cells", None, None),
          "villages": ("tiles_regions", "village", 12),
          "towns": ("tiles_regions", "town", 9)}
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise NotFound(f"no tile at zoom {z}: zoom runs from 0 to {MAX_ZOOM}", where="z")
    top = 2**z - 1
    if not (0 <= x <= top and 0 <= y <= top):
        raise NotFound(f"tile {z}/{x}/{y} does not exist: x and y run from 0 to {top} "
                       f"at zoom {z}", where="x/y")


def vector_tile(session: Session, *, layer: str, z: int, x: int, y: int,
                generation_id: int) -> bytes:
    """The tile's bytes; empty when no feature touches it."""
    if layer not in LAYERS:
        raise NotFound(f"no tile layer {layer!r}; layers: {', '.join(LAYERS)}", where="layer")
    check_tile(z, x, y)
    name, level, prefix = LAYERS[layer]
    params = {"z": z, "x": x, "y": y, "extent": EXTENT, "buffer": BUFFER,
              "margin": BUFFER / EXTENT, "generation_id": generation_id,
              "layer": layer, "level": level, "prefix": prefix}
    data = session.execute(query(name), params).scalar()
    return bytes(data or b"")
