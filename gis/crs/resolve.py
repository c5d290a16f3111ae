"""Resolve a declared CRS (EPSG code, name, .prj/WKT text) and transform coordinates to WGS84."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from gis.crs.offsets import bd09_to_wgs84, gcj02_to_wgs84
from gis.errors import CoordinateError

ACCEPTED = (
    'an EPSG code ("EPSG:4326", "4326", 4490, the CGCS2000 Gauss-Kruger zones 4513-4554, '
    "3857 or any other code PROJ knows), one of the names wgs84, cgcs2000, gcj02, bd09, "
    "or the WKT text of a .prj file"
)


@dataclass(frozen=True)
class CrsSpec:
    """A declared CRS: an EPSG code, or one of the Chinese web-map offsets of WGS84."""

    kind: Literal["epsg", "gcj02", "bd09"]
    epsg: int | None  # None for gcj02/bd09: they are not in the EPSG registry
    is_geographic: bool
    label: str


WGS84 = CrsSpec("epsg", 4326, True, "EPSG:4326 WGS 84")
GCJ02 = CrsSpec("gcj02", None, True, "GCJ-02 (Amap/Tencent offset of WGS84)")
BD09 = CrsSpec("bd09", None, True, "BD-09 (Baidu offset of GCJ-02)")

# Names are compared lower-case with spaces, "-" and "_" removed ("GCJ-02" → "gcj02").
_NAMES: dict[str, CrsSpec | int] = {
    "wgs84": 4326,
    "crs84": 4326,  # GeoJSON's "urn:ogc:def:crs:OGC:1.3:CRS84": lon/lat order on WGS84
    "ogc:crs84": 4326,
    "urn:ogc:def:crs:ogc:1.3:crs84": 4326,
    "cgcs2000": 4490,
    "gcj02": GCJ02,
    "bd09": BD09,
}
_EPSG_PATTERN = re.compile(r"(?:epsg:{1,2}|urn:ogc:def:crs:epsg:[\d.]*:)?(?P<code>\d+)", re.I)
_WKT_PATTERN = re.compile(r"^\s*[A-Z_]+\s*\[", re.I)  # PROJCS[, GEOGCS[, PROJCRS[ …

# CGCS2000 is WGS84 within centimetres for our purposes (DOMAIN.md); PROJ's own step
# between them is a null "ballpark" shift too, so skipping pyproj changes nothing.
_SAME_AS_WGS84 = frozenset({4326, 4490})


def resolve_crs(value: str | int | CrsSpec | None, *, prj_text: str | None = None) -> CrsSpec:
    """Turn a declared CRS into a CrsSpec; `value` (e.g. --crs) wins over the .prj text."""
    if isinstance(value, CrsSpec):
        return value
    if value is None:
        if prj_text is None or not prj_text.strip():
            raise _unknown("nothing (no CRS value and no .prj text)")
        return _from_wkt(prj_text)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return _from_epsg(int(value), given=repr(value))
    if isinstance(value, str):
        return _from_text(value)
    raise _unknown(f"{type(value).__name__} {value!r}")


def to_wgs84_arrays(
    x: ArrayLike, y: ArrayLike, spec: CrsSpec
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Transform coordinates in `spec` to WGS84 (lon, lat) float arrays; no checks here."""
    x_arr, y_arr = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    if spec.kind == "gcj02":
        lon, lat = gcj02_to_wgs84(x_arr, y_arr)
    elif spec.kind == "bd09":
        lon, lat = bd09_to_wgs84(x_arr, y_arr)
    elif spec.epsg in _SAME_AS_WGS84:
        lon, lat = x_arr.copy(), y_arr.copy()
    else:
        # Points PROJ cannot transform come back as inf; check_declared_crs reports them.
        lon, lat = _transformer_to_wgs84(spec.epsg).transform(x_arr, y_arr)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def to_wgs84_geometry(geom, spec: CrsSpec):
    """Transform a shapely geometry (or array of them) to WGS84, keeping any Z unchanged."""
    if spec.kind == "epsg" and spec.epsg in _SAME_AS_WGS84:
        return geom

    def transform_xy(x, y, *z):
        lon, lat = to_wgs84_arrays(x, y, spec)
        return (lon, lat, *z)

    # include_z=None hands each geometry's Z through untouched (needs shapely >= 2.1).
    return shapely.transform(geom, transform_xy, include_z=None, interleaved=False)


@lru_cache(maxsize=128)
def _transformer_to_wgs84(epsg: int) -> Transformer:
    # always_xy: x is easting/longitude whatever the EPSG axis order says (EPSG:4490 is
    # lat/lon, the Gauss-Kruger zones are northing/easting). pyproj >= 3.1 transformers are
    # thread-safe, so one cached instance per EPSG serves every request.
    return Transformer.from_crs(epsg, 4326, always_xy=True)


@lru_cache(maxsize=256)
def _pyproj_crs(epsg: int) -> CRS:
    return CRS.from_epsg(epsg)


def _from_text(text: str) -> CrsSpec:
    key = re.sub(r"[\s_\-]", "", text.lower())
    named = _NAMES.get(key)
    if isinstance(named, CrsSpec):
        return named
    if named is not None:
        return _from_epsg(named, given=repr(text))
    match = _EPSG_PATTERN.fullmatch(text.strip())
    if match:
        return _from_epsg(int(match["code"]), given=repr(text))
    if _WKT_PATTERN.match(text):
        return _from_wkt(text)
    raise _unknown(repr(_shorten(text)))


def _from_epsg(code: int, *, given: str) -> CrsSpec:
    if code == 4326:
        return WGS84
    try:
        crs = _pyproj_crs(code)
    except CRSError:
        raise _unknown(f"{given}, which is not an EPSG code PROJ knows") from None
    if not (crs.is_geographic or crs.is_projected):
        raise CoordinateError(
            f"CRS {given} is EPSG:{code} {crs.name}, not a 2-D horizontal CRS "
            f"(geocentric or vertical). Accepted: {ACCEPTED}.",
            details={"given": given},
        )
    return CrsSpec("epsg", code, bool(crs.is_geographic), f"EPSG:{code} {crs.name}")


def _from_wkt(text: str) -> CrsSpec:
    try:
        crs = CRS.from_wkt(text)
    except CRSError as exc:
        raise CoordinateError(
            f"The .prj/WKT text {_shorten(text)!r} could not be read ({exc}). "
            f"Declare the CRS instead: {ACCEPTED}.",
            details={"given": _shorten(text)},
        ) from None
    # 70 is pyproj's default confidence: an ESRI .prj of a CGCS2000 zone (no EPSG
    # authority inside, only names) is still identified; guesses below it are not trusted.
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        raise CoordinateError(
            f"The .prj describes {crs.name!r} but matches no EPSG code; local city grids "
            "(城市独立坐标系) need their EPSG code or a conversion first. Declare it "
            "explicitly, e.g. --crs EPSG:4544 for CGCS2000 3-degree Gauss-Kruger CM 105E.",
            details={"given": crs.name},
        )
    return _from_epsg(code, given=f"the .prj {crs.name!r}")


def _unknown(given: str) -> CoordinateError:
    return CoordinateError(
        f"Unknown CRS: got {given}. Accepted: {ACCEPTED}.", details={"given": given}
    )


def _shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
