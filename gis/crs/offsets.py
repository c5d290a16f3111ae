"""Chinese web-map offsets: WGS84 ↔ GCJ-02 (Amap, Tencent) ↔ BD-09 (Baidu), vectorised with numpy.

Every function takes (lon, lat) as scalars or array-likes (broadcast together) and returns
(lon, lat): plain floats for scalar input, float64 arrays otherwise. NaN passes through as NaN.

The offsets are only defined inside the coarse bounding box that every public GCJ-02
implementation uses (lon 72.004–137.8347, lat 0.8293–55.8271). Outside it each function
returns its input unchanged, as eviltransform and coordtransform do. The box is not China's
border: it also covers Mongolia, Korea and parts of its neighbours, where the shift is
applied too (and where Amap/Baidu tiles are offset the same way).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# Krasovsky 1940 ellipsoid, as in the published (leaked) GCJ-02 algorithm. eviltransform's
# Python port uses 6378137.0 instead; on a ~500 m offset the two differ by under 1 cm.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# Baidu's constants: its angular perturbation runs at pi * 3000 / 180 per degree, then a
# fixed shift of 0.0065° east and 0.006° north.
_BD_X_PI = np.pi * 3000.0 / 180.0
_BD_SHIFT_LON = 0.0065
_BD_SHIFT_LAT = 0.006

_BOX_WEST, _BOX_EAST = 72.004, 137.8347
_BOX_SOUTH, _BOX_NORTH = 0.8293, 55.8271

# Iterative inverses are fixed-point iterations x ← x + (target − forward(x)). The offsets
# change slowly with position (measured over China: gradient below 0.01 per degree for
# GCJ-02, 0.02 for BD-09), so each step shrinks the error at least 50-fold, in practice
# ~150-fold: from a 700 m start, 4 steps reach 0.01 mm. The tolerance (1e-9° ≈ 0.1 mm) is
# far below the promised 1 cm; the bound of 10 steps only guards pathological input.
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 10


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where the GCJ-02/BD-09 offsets do not apply (outside the box, or NaN)."""
    lon_arr, lat_arr = _as_arrays(lon, lat)
    inside = (
        (lon_arr >= _BOX_WEST)
        & (lon_arr <= _BOX_EAST)
        & (lat_arr >= _BOX_SOUTH)
        & (lat_arr <= _BOX_NORTH)
    )
    return ~inside


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike):
    """WGS84 → GCJ-02 with the closed published formula; unchanged outside the box."""
    lon_arr, lat_arr = _as_arrays(lon, lat)
    gcj_lon, gcj_lat = _gcj_forward(lon_arr, lat_arr)
    return _keep_outside(lon_arr, lat_arr, gcj_lon, gcj_lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike):
    """GCJ-02 → WGS84 by iterating the forward formula to < 1 cm; unchanged outside the box."""
    lon_arr, lat_arr = _as_arrays(lon, lat)
    wgs_lon, wgs_lat = _invert(_gcj_forward, lon_arr, lat_arr, start=(lon_arr, lat_arr))
    return _keep_outside(lon_arr, lat_arr, wgs_lon, wgs_lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike):
    """GCJ-02 → BD-09 with Baidu's closed formula; unchanged outside the box."""
    lon_arr, lat_arr = _as_arrays(lon, lat)
    bd_lon, bd_lat = _bd_forward(lon_arr, lat_arr)
    return _keep_outside(lon_arr, lat_arr, bd_lon, bd_lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike):
    """BD-09 → GCJ-02: the usual approximate inverse, refined by iteration to < 1 cm."""
    lon_arr, lat_arr = _as_arrays(lon, lat)
    # The widely copied closed "inverse" is off by up to ~0.2 m (measured over China).
    start = _bd_approximate_inverse(lon_arr, lat_arr)
    gcj_lon, gcj_lat = _invert(_bd_forward, lon_arr, lat_arr, start=start)
    return _keep_outside(lon_arr, lat_arr, gcj_lon, gcj_lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike):
    """WGS84 → BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike):
    """BD-09 → WGS84 (through GCJ-02), < 1 cm from the exact inverse."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_arr = np.asarray(lon, dtype=np.float64)
    lat_arr = np.asarray(lat, dtype=np.float64)
    return np.broadcast_arrays(lon_arr, lat_arr)


def _keep_outside(lon: FloatArray, lat: FloatArray, new_lon: FloatArray, new_lat: FloatArray):
    outside = out_of_china(lon, lat)
    out_lon = np.where(outside, lon, new_lon)
    out_lat = np.where(outside, lat, new_lat)
    if out_lon.ndim == 0:
        return float(out_lon), float(out_lat)
    return out_lon, out_lat


def _gcj_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 shift without the box test (smooth, so the inverse can iterate on it)."""
    with np.errstate(invalid="ignore"):  # inf input gives NaN here; the box test restores it
        x = lon - 105.0
        y = lat - 35.0
        shift_lat, shift_lon = _gcj_shift_metres(x, y)
        rad_lat = np.radians(lat)
        magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
        sqrt_magic = np.sqrt(magic)
        # metres → degrees on the Krasovsky ellipsoid: meridian and parallel radii of curvature
        meridian_radius = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (magic * sqrt_magic)
        parallel_radius = _KRASOVSKY_A / sqrt_magic * np.cos(rad_lat)
        d_lat = np.degrees(shift_lat / meridian_radius)
        d_lon = np.degrees(shift_lon / parallel_radius)
    return lon + d_lon, lat + d_lat


def _gcj_shift_metres(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The published polynomial + sine series, in (x, y) relative to 105°E, 35°N."""
    x_pi = x * np.pi
    y_pi = y * np.pi
    common = 20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)
    shift_lat = common + 20.0 * np.sin(y_pi) + 40.0 * np.sin(y_pi / 3.0)
    shift_lon = common + 20.0 * np.sin(x_pi) + 40.0 * np.sin(x_pi / 3.0)
    shift_lat += 160.0 * np.sin(y_pi / 12.0) + 320.0 * np.sin(y_pi / 30.0)
    shift_lon += 150.0 * np.sin(x_pi / 12.0) + 300.0 * np.sin(x_pi / 30.0)
    shift_lat *= 2.0 / 3.0
    shift_lon *= 2.0 / 3.0
    root_abs_x = np.sqrt(np.abs(x))
    shift_lat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root_abs_x
    shift_lon += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root_abs_x
    return shift_lat, shift_lon


def _bd_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Baidu's perturbation of GCJ-02 in polar form, then its fixed shift (no box test)."""
    with np.errstate(invalid="ignore"):
        radius = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
        theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
        return radius * np.cos(theta) + _BD_SHIFT_LON, radius * np.sin(theta) + _BD_SHIFT_LAT


def _bd_approximate_inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    with np.errstate(invalid="ignore"):
        x = lon - _BD_SHIFT_LON
        y = lat - _BD_SHIFT_LAT
        radius = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
        theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
        return radius * np.cos(theta), radius * np.sin(theta)


def _invert(forward, target_lon, target_lat, *, start) -> tuple[FloatArray, FloatArray]:
    """Solve forward(lon, lat) == target by fixed-point iteration (see _TOLERANCE_DEG)."""
    lon, lat = (np.array(part, dtype=np.float64) for part in start)
    with np.errstate(invalid="ignore"):
        for _ in range(_MAX_ITERATIONS):
            fwd_lon, fwd_lat = forward(lon, lat)
            miss_lon = target_lon - fwd_lon
            miss_lat = target_lat - fwd_lat
            lon = lon + miss_lon
            lat = lat + miss_lat
            # NaN compares False, so NaN input never holds the loop open.
            if not (
                np.any(np.abs(miss_lon) > _TOLERANCE_DEG)
                or np.any(np.abs(miss_lat) > _TOLERANCE_DEG)
            ):
                break
    return lon, lat
