"""Cell geometry input: parse a GeoJSON geometry or Feature into one valid lon/lat polygon."""
from __future__ import annotations

import math

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import LineString, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gis.errors import InvalidGeometry
from gis.geometry_guard import check_geometry

# A hand-drawn or surveyed cell has tens to a few thousand vertices; far more is a
# mistake (a whole layer pasted as one cell) and would make every lookup slow.
MAX_VERTICES = 20_000


def parse_cell_geometry(body: dict, *, where: str = "body") -> tuple[Polygon, dict]:
    """(polygon, properties) from a GeoJSON geometry or Feature in EPSG:4326 lon/lat."""
    if not isinstance(body, dict):
        raise InvalidGeometry("expected a GeoJSON geometry or Feature object", where=where)
    properties: dict = {}
    if body.get("type") == "Feature":
        properties = body.get("properties") or {}
        if not isinstance(properties, dict):
            raise InvalidGeometry("Feature properties must be an object",
                                  where=f"{where}.properties")
        body = body.get("geometry") or {}
        where = f"{where}.geometry"
    if not isinstance(body, dict):
        raise InvalidGeometry("expected a GeoJSON geometry object", where=where)
    # check_geometry refuses unknown types ("Hexagon"), bad nesting and huge vertex
    # counts before shapely sees the mapping; the cell rules follow.
    geom = check_geometry(body, where=where, max_vertices=MAX_VERTICES, require_valid=False)
    return check_cell_polygon(geom, where=where), properties


def check_cell_polygon(geom: BaseGeometry, *, where: str) -> Polygon:
    """The polygon itself when it can be a cell; InvalidGeometry saying why otherwise."""
    if geom.is_empty:
        raise InvalidGeometry("the geometry is empty", where=where)
    if geom.geom_type == "MultiPolygon":
        parts = shapely.get_parts(geom)
        if len(parts) != 1:
            raise InvalidGeometry(f"a cell must be one closed polygon; got {len(parts)} parts",
                                  where=where, details={"reason": "parts", "parts": len(parts)})
        geom = parts[0]
    if geom.geom_type != "Polygon":
        raise InvalidGeometry(f"a cell must be a Polygon; got {geom.geom_type}", where=where)
    vertices = shapely.get_num_coordinates(geom)
    if vertices > MAX_VERTICES:
        raise InvalidGeometry(f"the polygon has {vertices} vertices; the limit is "
                              f"{MAX_VERTICES}", where=where)
    west, south, east, north = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds):
        raise InvalidGeometry("coordinates must be finite numbers", where=where)
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidGeometry(f"coordinates {geom.bounds} are not lon/lat degrees "
                              "(EPSG:4326, longitude first)", where=where)
    if not geom.is_valid:
        why = explain_validity(geom)
        raise InvalidGeometry(f"the polygon is invalid: {why}", where=where,
                              details={"reason": "invalid_polygon", "why": why})
    if geom.has_z:
        geom = shapely.force_2d(geom)
    return shapely.normalize(geom)


def parse_line(value, *, where: str = "line") -> LineString:
    """A GeoJSON LineString (a split line) as a shapely line; InvalidGeometry if not one."""
    try:
        line = shape(value)
    except (KeyError, TypeError, ValueError, AttributeError, ShapelyError) as exc:
        raise InvalidGeometry(f"line is not a readable GeoJSON geometry ({exc})",
                              where=where) from None
    if line.geom_type != "LineString" or line.is_empty:
        raise InvalidGeometry(f"line must be a LineString; got {line.geom_type}", where=where)
    return line
