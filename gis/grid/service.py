"""Reads of the unified grid: cells as GeoJSON, point -> cell lookups."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gis.crs import WGS84, check_declared_crs, resolve_crs, to_wgs84_arrays
from gis.errors import InvalidInput
from gis.geo import LngLatBBox
from gis.sql import query


@dataclass(frozen=True)
class Page:
    limit: int = 1000
    offset: int = 0


def tolerance_for_zoom(zoom: int | None) -> float:
    """Half a 256-px tile pixel at `zoom`, in degrees; 0 (no simplification) when not given."""
    if zoom is None:
        return 0.0
    if not 0 <= zoom <= 24:
        raise InvalidInput(f"zoom must be between 0 and 24, got {zoom}", where="zoom")
    return 360.0 / (256 * 2**zoom) / 2


def cells_feature_collection(session: Session, *, generation_id: int,
                             bbox: LngLatBBox | None = None, region_prefix: str | None = None,
                             zoom: int | None = None, page: Page = Page()) -> dict:
    params = {"generation_id": generation_id, "region_prefix": region_prefix,
              "has_bbox": bbox is not None, "tolerance": tolerance_for_zoom(zoom),
              "limit": page.limit, "offset": page.offset,
              **(bbox._asdict() if bbox else dict.fromkeys(("west", "south", "east", "north"),
                                                           0.0))}
    rows = session.execute(query("cells_geojson"), params).mappings().all()
    features = [{"type": "Feature", "id": row["code"], "geometry": row["geometry"],
                 "properties": {k: row[k] for k in ("code", "name", "kind", "dedicated_type",
                                                     "village_code", "area_m2", "households")}}
                for row in rows]
    matched = rows[0]["matched"] if rows else 0
    return {"type": "FeatureCollection", "features": features,
            "numberMatched": matched, "numberReturned": len(features),
            "generation": generation_id}


def to_wgs84_point(lon: float, lat: float, crs: str | None) -> tuple[float, float]:
    """A point given in a declared CRS as WGS84 lon/lat, refused when it cannot be there."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("lon and lat must be finite numbers", where="lon/lat")
    spec = resolve_crs(crs) if crs else WGS84
    if spec != WGS84:
        # The offsets and projected zones only make sense in China: catch a wrong crs here.
        check_declared_crs([lon], [lat], spec, where="lon/lat")
        xs, ys = to_wgs84_arrays([lon], [lat], spec)
        lon, lat = float(xs[0]), float(ys[0])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"lon {lon} / lat {lat} are not WGS84 degrees (lon -180..180, "
                           "lat -90..90); give crs= for other coordinates", where="lon/lat")
    return lon, lat
