"""Reads of the unified grid: cells as GeoJSON, point -> cell lookups."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

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


def locate(session: Session, *, lon: float, lat: float, generation_id: int) -> dict:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("lon and lat must be finite numbers", where="lon/lat")
    point = {"lon": lon, "lat": lat}
    cell = session.execute(query("locate_cell"),
                           {**point, "generation_id": generation_id}).mappings().first()
    regions = session.execute(query("locate_regions"), {"lon": lon, "lat": lat}).mappings().all()
    by_level = {r["level"]: {"code": r["code"].strip(), "name": r["name"]} for r in regions}
    return {
        "lon": lon, "lat": lat, "generation": generation_id,
        "cell": ({"id": cell["id"], "code": cell["code"], "name": cell["name"],
                  "kind": cell["kind"]} if cell else None),
        "village": by_level.get("village"), "town": by_level.get("town"),
        "district": by_level.get("district"),
    }
