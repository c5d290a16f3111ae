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
    """One page of a list: keyset (after the key of the previous page's last row) or offset.

    Lists never count every match unless asked (count=True): a count under row-level
    security reads the whole area, which is what made a city page take seconds."""
    limit: int = 1000
    offset: int = 0
    after: str | None = None  # the sort key of the last row already seen (digits only)
    count: bool = False  # also return numberMatched

    def after_int(self, *, where: str = "after") -> int | None:
        """The cursor as an id (lists ordered by id)."""
        if self.after is None:
            return None
        if not (self.after.isascii() and self.after.isdigit() and len(self.after) <= 18):
            raise InvalidInput(f"after must be the id of the last row seen, got {self.after!r}",
                               where=where)
        return int(self.after)


def page_result(items: list, *, page: Page, last_key, matched: int | None) -> dict:
    """items, numberReturned, next_after (the cursor of the next page, None on the last)
    and numberMatched when counted."""
    full = len(items) == page.limit and last_key is not None
    out = {"items": items, "numberReturned": len(items),
           "next_after": str(last_key) if full else None}
    if matched is not None:
        out["numberMatched"] = matched
    return out


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
              "limit": page.limit, "after": page.after, "count": page.count, "offset": page.offset,
              **(bbox._asdict() if bbox else dict.fromkeys(("west", "south", "east", "north"),
                                                           0.0))}
    rows = session.execute(query("cells_geojson"), params).mappings().all()
    features = [{"type": "Feature", "id": row["code"], "geometry": row["geometry"],
                 "properties": {k: row[k] for k in ("code", "name", "kind", "dedicated_type",
                                                     "village_code", "area_m2", "households")}}
                for row in rows]
    return {"type": "FeatureCollection", "features": features, "generation": generation_id,
            **feature_paging(rows, features, page=page)}


def feature_paging(rows, features: list, *, page: Page) -> dict:
    """numberReturned, next_after (the last code) and numberMatched when asked for."""
    out = page_result(features, page=page, last_key=rows[-1]["code"] if rows else None,
                      matched=(rows[0]["matched"] if rows else 0) if page.count else None)
    del out["items"]
    return out


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
