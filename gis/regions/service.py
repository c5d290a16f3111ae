"""Reads of the region hierarchy."""
from __future__ import annotations

from sqlalchemy.orm import Session

from gis.errors import InvalidInput
from gis.geo import LngLatBBox
from gis.grid.service import Page, feature_paging, tolerance_for_zoom
from gis.sql import query

LEVELS = ("district", "town", "village")


def regions_feature_collection(session: Session, *, level: str | None = None,
                               parent_code: str | None = None, bbox: LngLatBBox | None = None,
                               zoom: int | None = None, page: Page = Page()) -> dict:
    if level is not None and level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}; got {level!r}",
                           where="level")
    params = {"level": level, "parent_code": parent_code, "has_bbox": bbox is not None,
              "tolerance": tolerance_for_zoom(zoom), "limit": page.limit,
              "after": page.after, "count": page.count,
              "offset": page.offset,
              **(bbox._asdict() if bbox else dict.fromkeys(("west", "south", "east", "north"),
                                                           0.0))}
    rows = session.execute(query("regions_geojson"), params).mappings().all()
    features = [{"type": "Feature", "id": row["code"], "geometry": row["geometry"],
                 "properties": {"code": row["code"], "level": row["level"], "name": row["name"],
                                "parent_code": row["parent_code"], "urban": row["urban"],
                                "area_m2": row["area_m2"]}}
                for row in rows]
    return {"type": "FeatureCollection", "features": features,
            **feature_paging(rows, features, page=page)}
