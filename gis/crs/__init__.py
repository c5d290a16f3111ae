"""Coordinate reference systems: declared-CRS resolution, Chinese web-map offsets, sanity checks."""

from gis.crs.checks import CHINA, LngLatBBox, check_declared_crs, check_inside_china
from gis.crs.offsets import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis.crs.resolve import (
    BD09,
    GCJ02,
    WGS84,
    CrsSpec,
    resolve_crs,
    to_wgs84_arrays,
    to_wgs84_geometry,
)

__all__ = [
    "BD09",
    "CHINA",
    "GCJ02",
    "WGS84",
    "CrsSpec",
    "LngLatBBox",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "check_declared_crs",
    "check_inside_china",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "resolve_crs",
    "to_wgs84_arrays",
    "to_wgs84_geometry",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
