"""Value types whose names say their units (as mercantile does)."""
from __future__ import annotations

import math
from typing import NamedTuple

from gis.errors import InvalidInput


class LngLatBBox(NamedTuple):
    """A bounding box in degrees (EPSG:4326): west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lon, lat):
        """True where (lon, lat) lies in the box, edges included; NaN is never inside.

        Works elementwise on numpy arrays as well as on plain floats."""
        return (lon >= self.west) & (lon <= self.east) & (lat >= self.south) & (lat <= self.north)

    @classmethod
    def parse(cls, text: str, *, where: str = "bbox") -> LngLatBBox:
        parts = text.split(",")
        if len(parts) != 4:
            raise InvalidInput(f"bbox needs 4 numbers west,south,east,north; got {text!r}",
                               where=where)
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise InvalidInput(f"bbox has a value that is not a number: {text!r}",
                               where=where) from None
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise InvalidInput("bbox values must be finite", where=where)
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise InvalidInput(f"bbox {text!r} is not west<=east in [-180,180], "
                               "south<=north in [-90,90]", where=where)
        return cls(west, south, east, north)


class Bounds(NamedTuple):
    """A bounding box in metres of a projected CRS: left, bottom, right, top."""

    left: float
    bottom: float
    right: float
    top: float
