"""Where imported rows are: declared CRS → WGS84 (with the datum check and the geometry
repair every import shares), and buildings matched by code or address."""
from __future__ import annotations

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import CrsSpec, check_declared_crs, to_wgs84_arrays, to_wgs84_geometry
from gis.crs.datum import DatumCheck
from gis.ingest.datum import points_datum
from gis.ingest.schemas import Repair
from gis.ingest.validate import repair_geometry
from gis.people.ingest.validate import Problem

POINT_TYPES = ("Point",)
BUILDING_TYPES = ("Point", "Polygon", "MultiPolygon")


def to_wgs84(records: list[dict], spec: CrsSpec, *, where: str) -> None:
    """Give each record with coordinates a WGS84 shapely geometry under "geom".

    The whole file is checked against the declared CRS first: a GCJ-02 file declared as
    WGS84 or metres declared as degrees is one error for the file, not thousands of rows."""
    with_xy = [r for r in records if r.get("xy") and r.get("geometry") is None]
    if with_xy:
        x = np.array([r["xy"][0] for r in with_xy])
        y = np.array([r["xy"][1] for r in with_xy])
        check_declared_crs(x, y, spec, where=f"{where}, columns lon/lat")
        lon, lat = to_wgs84_arrays(x, y, spec)
        for record, point in zip(with_xy, shapely.points(lon, lat), strict=True):
            record["geom"] = point
    shaped = [r for r in records if r.get("geometry") is not None]
    if shaped:
        geoms = np.array([r["geometry"] for r in shaped], dtype=object)
        coords = shapely.get_coordinates(geoms)
        check_declared_crs(coords[:, 0], coords[:, 1], spec, where=f"{where}, geometries")
        for record, geom in zip(shaped, to_wgs84_geometry(geoms, spec), strict=True):
            record["geom"] = geom


def check_geometry_types(records: list[dict], allowed: tuple[str, ...],
                         invalid: list[Problem]) -> list[dict]:
    """Drop GeoJSON rows whose geometry is unreadable or of the wrong type (validity is
    checked, and repaired if asked, once in WGS84: check_validity)."""
    kept = []
    for record in records:
        geom = record.get("geometry")
        if isinstance(geom, Exception):
            invalid.append(Problem(record["where"], "geometry", str(geom)))
        elif geom is not None and geom.geom_type not in allowed:
            invalid.append(Problem(record["where"], "geometry",
                                   f"is a {geom.geom_type}; expected {' or '.join(allowed)}"))
        else:
            kept.append(record)
    return kept


def check_validity(records: list[dict], *, repair: bool, invalid: list[Problem],
                   repaired: list[Repair]) -> list[dict]:
    """Invalid footprints (WGS84, in "geom") rebuilt as region and layer imports do, or
    refused naming the feature and why (gis.ingest.validate.repair_geometry)."""
    kept = []
    for record in records:
        geom = record.get("geom")
        if geom is None or geom.is_valid:
            kept.append(record)
            continue
        if geom.geom_type == "Point":  # a point is invalid only with NaN: not repairable
            invalid.append(Problem(record["where"], "geometry", "is not a valid point"))
            continue
        fixed, repair_done, rejection = repair_geometry(record["number"], geom, repair=repair)
        if rejection is not None:
            invalid.append(Problem(record["where"], "geometry", rejection.reason))
            continue
        repaired.append(repair_done)
        kept.append(record | {"geom": fixed})
    return kept


def check_datum(session: Session, records: list[dict], spec: CrsSpec, *,
                where: str) -> DatumCheck | None:
    """The raw coordinates (as declared) of the rows, through the datum step every point
    import shares (gis.ingest.datum.points_datum)."""
    x, y = [], []
    for record in records:
        if record.get("geometry") is not None:
            spot = record["geometry"].representative_point()
            x.append(spot.x)
            y.append(spot.y)
        elif record.get("xy"):
            x.append(record["xy"][0])
            y.append(record["xy"][1])
    if not x:
        return None
    return points_datum(session, np.array(x), np.array(y), spec=spec, where=where)


def buildings_by_code_and_address(session: Session, *, codes: set[str],
                                  addresses: set[str]) -> tuple[dict, dict]:
    """code -> (id, lon, lat) and address -> (id, lon, lat) of existing buildings.

    A footprint is represented by ST_PointOnSurface: a point inside it even for L shapes."""
    rows = session.execute(text(
        "SELECT id, code, address, ST_X(spot) AS lon, ST_Y(spot) AS lat FROM ("
        " SELECT id, code, address, ST_PointOnSurface(geom) AS spot FROM buildings"
        " WHERE code = ANY(:codes) OR address = ANY(:addresses)) AS b ORDER BY id"),
        {"codes": sorted(codes), "addresses": sorted(addresses)}).all()
    by_code = {r.code: (r.id, r.lon, r.lat) for r in rows if r.code}
    by_address: dict[str, tuple] = {}
    for r in rows:
        by_address.setdefault(r.address, (r.id, r.lon, r.lat))
    return by_code, by_address
