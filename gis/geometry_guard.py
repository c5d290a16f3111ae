"""Hostile and broken geometries: vertex caps, NaN/inf, huge numbers, bad GeoJSON, validity.

`check_geometry` is the one gate every geometry from outside passes before it reaches
PostGIS: it accepts a GeoJSON mapping (walked before shapely sees it, so a 10-million
vertex or deeply nested payload is refused cheaply) or a shapely geometry, and raises
InvalidGeometry naming where the problem is and why."""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gis.errors import InvalidGeometry

DEFAULT_MAX_VERTICES = 100_000
# Larger than any real coordinate in degrees or in metres (Gauss-Kruger eastings with a
# zone prefix reach ~4.6e7); 1e300 is a parser attack, not a place.
DEFAULT_MAX_ABS = 1e9
_DEPTH = {"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3,
          "Polygon": 3, "MultiPolygon": 4}


def check_geometry(geom: BaseGeometry | Mapping, *, where: str,
                   max_vertices: int = DEFAULT_MAX_VERTICES, max_abs: float = DEFAULT_MAX_ABS,
                   lonlat: bool = False, require_valid: bool = True) -> BaseGeometry:
    """The geometry as shapely, or InvalidGeometry (e.g. where="features[3].geometry")."""
    if isinstance(geom, Mapping):
        geom = _from_geojson(geom, where=where, max_vertices=max_vertices, max_abs=max_abs)
    if not isinstance(geom, BaseGeometry):
        raise InvalidGeometry(f"expected a geometry, got {type(geom).__name__}", where=where)
    if geom.is_empty:
        raise InvalidGeometry("geometry is empty", where=where)
    coords = shapely.get_coordinates(geom, include_z=True)
    if len(coords) > max_vertices:
        raise InvalidGeometry(f"geometry has {len(coords)} vertices, over the limit of "
                              f"{max_vertices}", where=where)
    _check_numbers(coords, where=where, max_abs=max_abs, lonlat=lonlat)
    if require_valid and not geom.is_valid:
        raise InvalidGeometry(f"geometry is not valid: {explain_validity(geom)}", where=where)
    return geom


def _check_numbers(coords: np.ndarray, *, where: str, max_abs: float, lonlat: bool) -> None:
    xy = coords[:, :2]
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidGeometry(f"vertex {i} has a non-finite coordinate (NaN or infinity): "
                              f"{xy[i].tolist()}", where=where)
    huge = (np.abs(xy) > max_abs).any(axis=1)
    if huge.any():
        i = int(np.argmax(huge))
        raise InvalidGeometry(f"vertex {i} has a coordinate over {max_abs:g} in size: "
                              f"{xy[i].tolist()}", where=where)
    if lonlat:
        out = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        if out.any():
            i = int(np.argmax(out))
            raise InvalidGeometry(f"vertex {i} {xy[i].tolist()} is outside longitude "
                                  f"-180..180 / latitude -90..90", where=where)


def _from_geojson(obj: Mapping, *, where: str, max_vertices: int,
                  max_abs: float) -> BaseGeometry:
    kind = obj.get("type")
    if kind not in _DEPTH:
        raise InvalidGeometry(f"GeoJSON geometry type must be one of {', '.join(_DEPTH)}, "
                              f"got {kind!r}", where=where)
    coordinates = obj.get("coordinates")
    counter = [0]
    _walk(coordinates, depth=_DEPTH[kind], path=f"{where}.coordinates", counter=counter,
          max_vertices=max_vertices, max_abs=max_abs)
    try:
        return shape({"type": kind, "coordinates": coordinates})
    except (ValueError, TypeError, AttributeError, IndexError,
            shapely.errors.GEOSException) as exc:
        raise InvalidGeometry(f"GeoJSON {kind} cannot be built: {exc}", where=where) from exc


def _walk(node, *, depth: int, path: str, counter: list[int], max_vertices: int,
          max_abs: float) -> None:
    """Check nesting, numbers and the running vertex count without recursion blow-ups."""
    if not isinstance(node, list | tuple):
        raise InvalidGeometry(f"expected an array at {path}, got {type(node).__name__}",
                              where=path)
    if depth == 1:
        _check_position(node, path=path, max_abs=max_abs)
        counter[0] += 1
        if counter[0] > max_vertices:
            raise InvalidGeometry(f"geometry has more than {max_vertices} vertices",
                                  where=path)
        return
    for i, child in enumerate(node):
        _walk(child, depth=depth - 1, path=f"{path}[{i}]", counter=counter,
              max_vertices=max_vertices, max_abs=max_abs)


def _check_position(position, *, path: str, max_abs: float) -> None:
    if not 2 <= len(position) <= 3:
        raise InvalidGeometry(f"a position has 2 or 3 numbers, got {len(position)}",
                              where=path)
    for value in position:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidGeometry(f"coordinate {value!r} is not a number", where=path)
        try:
            number = float(value)
        except OverflowError as exc:  # an int with hundreds of digits
            raise InvalidGeometry("coordinate is too large to be a number", where=path) from exc
        if not math.isfinite(number):
            raise InvalidGeometry(f"coordinate {value} is not finite (NaN or infinity)",
                                  where=path)
        if abs(number) > max_abs:
            raise InvalidGeometry(f"coordinate {value:g} is over {max_abs:g} in size",
                                  where=path)
