"""Sanity checks on a layer's coordinates against its declared CRS, run before transforming.

Each check raises CoordinateError whose message says where (the file or layer), what is
wrong, the offending bounds and a sample, and what to do ("use --crs EPSG:4523").
Sample indices ("#17") count coordinates in the order they were given, from 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gis.crs.resolve import CrsSpec, resolve_crs, to_wgs84_arrays
from gis.errors import CoordinateError
from gis.geo import LngLatBBox

# China with its islands: Pamir ~73.5E, Heixiazi Island ~134.8E, Zengmu Ansha ~4N, Mohe
# ~53.56N. Rough on purpose: it catches a wrong CRS (hundreds of km off), not border cases.
CHINA = LngLatBBox(west=73.0, south=3.0, east=135.1, north=53.6)

# Above this absolute value a "degree" is surely a metre of some projected CRS.
_METRES_THRESHOLD = 1000.0
_SAMPLE_SIZE = 3
# Candidate CRSs are tried on at most this many evenly spread points: enough for a verdict,
# cheap on a million-vertex layer.
_CANDIDATE_SAMPLE = 1000

# CGCS2000 Gauss-Kruger zones whose eastings carry the zone number in front (zone 35 puts
# the central meridian at 35 500 000 m): 3-degree zones 25-45 are EPSG:4513-4533, 6-degree
# zones 13-23 are EPSG:4491-4501. The two ranges of zone numbers do not overlap.
_PREFIXED_ZONES = {range(25, 46): 4513 - 25, range(13, 24): 4491 - 13}
_WEB_MERCATOR = 3857
# Without the prefix the easting alone cannot tell the central meridian. A 6-degree zone
# reaches ~330 km either side of the 500 km false easting at China's southern latitudes;
# northings run from ~330 km (3N) to ~5 950 km (53.6N).
_PLAIN_EASTING = (150_000.0, 850_000.0)
_CHINA_NORTHING = (300_000.0, 6_000_000.0)
_PLAIN_ZONE_ADVICE = (
    "Eastings near 500 000 m without a zone prefix fit a CGCS2000 Gauss-Kruger zone with an "
    "unknown central meridian (CM): 3-degree zones are EPSG:4534-4554, code = 4534 + "
    "(CM - 75) / 3, e.g. CM 105E (Chongqing) → --crs EPSG:4544; 6-degree zones are "
    "EPSG:4502-4512. Ask the surveyor which CM the data uses."
)
_SWAP_ADVICE = "swap the x/y columns (Chinese survey tables put the northing in X), then "
_DEFAULT_ADVICE = (
    "Declare the projected CRS the data was surveyed in, e.g. --crs EPSG:4544 "
    "(CGCS2000 3-degree Gauss-Kruger CM 105E)."
)


def check_declared_crs(x: ArrayLike, y: ArrayLike, spec: CrsSpec, *, where: str) -> None:
    """Raise CoordinateError if a layer's coordinates cannot be in `spec` or miss China."""
    x_arr, y_arr = _flat_arrays(x, y)
    if x_arr.size == 0:
        return
    _check_finite(x_arr, y_arr, where=where)
    if spec.is_geographic:
        _check_degrees(x_arr, y_arr, spec=spec, where=where)
        # GCJ-02/BD-09 sit < 1.5 km from WGS84: the rough box test needs no unshifting.
        check_inside_china(x_arr, y_arr, where=where, spec=spec)
    else:
        _check_projected(x_arr, y_arr, spec=spec, where=where)


def check_inside_china(lon: ArrayLike, lat: ArrayLike, *, where: str,
                       spec: CrsSpec | None = None) -> None:
    """Raise CoordinateError unless every WGS84 (lon, lat) lies in China's bounding box.

    `spec` is the declared geographic CRS the values were read in, if known: valid degrees
    outside China are then most likely a place outside China, not a wrong CRS, and the
    advice must not tell the user to declare the CRS the file already has (finding 7)."""
    lon_arr, lat_arr = _flat_arrays(lon, lat)
    outside = ~CHINA.contains(lon_arr, lat_arr)
    if not outside.any():
        return
    if spec is not None and spec.is_geographic:
        advice = (f"They are valid degrees read as {spec.label}, but onegrid keeps "
                  "grids inside China only (every check and offset assumes it), so the file "
                  "is refused. If these are not degrees of that CRS, declare the right one "
                  "with --crs (a Gauss-Kruger zone such as EPSG:4544 for survey metres).")
    else:
        advice = ("The declared CRS is probably wrong: use --crs EPSG:4490 or EPSG:4326 for "
                  "degrees, gcj02 for Amap/Tencent, bd09 for Baidu, or the Gauss-Kruger zone "
                  "the survey used (e.g. EPSG:4544).")
    raise _error(
        where=where,
        problem=f"points outside China (lon {CHINA.west}-{CHINA.east}, "
        f"lat {CHINA.south}-{CHINA.north})",
        advice=advice,
        x=lon_arr,
        y=lat_arr,
        bad=outside,
    )


def _check_finite(x: NDArray, y: NDArray, *, where: str) -> None:
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise _error(
            where=where,
            problem="NaN or infinite coordinates",
            advice="Repair or drop those features (a broken geometry, a blank or text cell "
            "in a CSV) before loading.",
            x=x,
            y=y,
            bad=bad,
        )


def _check_degrees(x: NDArray, y: NDArray, *, spec: CrsSpec, where: str) -> None:
    # No point is in China both ways round (x would need to be 73+ and under 54), so a
    # point that fits only when swapped is a swap, not a coincidence.
    swapped = ~CHINA.contains(x, y) & CHINA.contains(y, x)
    if swapped.any():
        raise _error(
            where=where,
            problem="longitude and latitude look swapped: these points fit China only with "
            "x and y exchanged",
            advice="Swap the x/y columns: x must be the longitude (73-135), y the latitude "
            f"(3-54) in {spec.label}.",
            x=x,
            y=y,
            bad=swapped,
        )
    out_of_range = (np.abs(x) > 180.0) | (np.abs(y) > 90.0)
    if not out_of_range.any():
        return
    if np.max(np.maximum(np.abs(x), np.abs(y))) > _METRES_THRESHOLD:
        advice, candidates = _metres_advice(x, y)
        problem = f"projected metres declared as degrees ({spec.label} is in degrees)"
    else:
        advice, candidates = "Check the declared CRS and which columns hold x and y.", []
        problem = f"values outside [-180, 180] / [-90, 90] for {spec.label}"
    raise _error(
        where=where,
        problem=problem,
        advice=advice,
        x=x,
        y=y,
        bad=out_of_range,
        candidates=candidates,
    )


def _check_projected(x: NDArray, y: NDArray, *, spec: CrsSpec, where: str) -> None:
    if np.all(np.abs(x) <= 180.0) and np.all(np.abs(y) <= 90.0):
        raise _error(
            where=where,
            problem=f"degrees declared as projected metres ({spec.label} is in metres)",
            advice="Declare a geographic CRS: --crs EPSG:4490 (CGCS2000) or EPSG:4326 "
            "(WGS84), or gcj02 / bd09 if the points came from Amap/Tencent or Baidu.",
            x=x,
            y=y,
            bad=np.ones_like(x, dtype=bool),
        )
    lon, lat = to_wgs84_arrays(x, y, spec)
    failed = ~(np.isfinite(lon) & np.isfinite(lat))
    outside = failed | ~CHINA.contains(lon, lat)
    if not outside.any():
        return
    advice, candidates = _metres_advice(
        x,
        y,
        exclude=spec.epsg,
        fallback=f"The values fit neither {spec.label} nor a CGCS2000 Gauss-Kruger zone: "
        "check the declared CRS and which columns hold x and y.",
    )
    lon_ok, lat_ok = lon[outside & ~failed], lat[outside & ~failed]
    landed = f", landing at lon {_range(lon_ok)}, lat {_range(lat_ok)}" if lon_ok.size else ""
    raise _error(
        where=where,
        problem=f"after transforming from {spec.label}, points fall outside China{landed}",
        advice=advice,
        x=x,
        y=y,
        bad=outside,
        candidates=candidates,
    )


def _metres_advice(
    x: NDArray, y: NDArray, *, exclude: int | None = None, fallback: str = _DEFAULT_ADVICE
) -> tuple[str, list[str]]:
    """What to declare instead of `exclude`: verified EPSG codes, else a hint."""
    for easting, northing, swap in ((x, y, ""), (y, x, _SWAP_ADVICE)):
        codes = [c for c in _codes_landing_in_china(easting, northing) if c != exclude]
        if codes:
            names = "; ".join(resolve_crs(code).label for code in codes)
            use = " or ".join(f"--crs EPSG:{code}" for code in codes)
            return f"They fit {names}: {swap}use {use}.", [f"EPSG:{code}" for code in codes]
    plain_candidates = ["EPSG:4534-4554", "EPSG:4502-4512"]
    if _looks_like_plain_zone(x, y):
        return _PLAIN_ZONE_ADVICE, plain_candidates
    if _looks_like_plain_zone(y, x):
        return (
            f"First {_SWAP_ADVICE.removesuffix(', then ')}. {_PLAIN_ZONE_ADVICE}",
            plain_candidates,
        )
    return fallback, []


def _codes_landing_in_china(easting: NDArray, northing: NDArray) -> list[int]:
    step = max(1, easting.size // _CANDIDATE_SAMPLE)
    easting, northing = easting[::step], northing[::step]
    codes = [*_prefixed_zone_codes(easting), _WEB_MERCATOR]
    return [code for code in codes if _lands_in_china(easting, northing, code)]


def _prefixed_zone_codes(easting: NDArray) -> list[int]:
    zones = np.unique(np.floor(easting / 1_000_000.0))
    if zones.size != 1:  # one layer in one zone's CRS shares one prefix
        return []
    zone = int(zones[0])
    return [zone + offset for zone_range, offset in _PREFIXED_ZONES.items() if zone in zone_range]


def _lands_in_china(easting: NDArray, northing: NDArray, code: int) -> bool:
    lon, lat = to_wgs84_arrays(easting, northing, resolve_crs(code))
    return bool(np.all(CHINA.contains(lon, lat)))


def _looks_like_plain_zone(easting: NDArray, northing: NDArray) -> bool:
    return bool(
        np.all((easting >= _PLAIN_EASTING[0]) & (easting <= _PLAIN_EASTING[1]))
        and np.all((northing >= _CHINA_NORTHING[0]) & (northing <= _CHINA_NORTHING[1]))
    )


def _error(
    *,
    where: str,
    problem: str,
    advice: str,
    x: NDArray,
    y: NDArray,
    bad: NDArray,
    candidates: list[str] | tuple = (),
) -> CoordinateError:
    count, total = int(bad.sum()), int(bad.size)
    bad_x, bad_y = x[bad], y[bad]
    finite = np.isfinite(bad_x) & np.isfinite(bad_y)
    bounds_text = ""
    if finite.any():
        bounds_text = f"; x {_range(bad_x[finite])}, y {_range(bad_y[finite])}"
    indices = np.flatnonzero(bad)[:_SAMPLE_SIZE]
    sample = ", ".join(f"#{i} ({_fmt(x[i])}, {_fmt(y[i])})" for i in indices)
    message = f"{where}: {problem}: {count} of {total} coordinates{bounds_text}; e.g. {sample}. "
    details = {
        "count": count,
        "total": total,
        "sample": [[int(i), _json_number(x[i]), _json_number(y[i])] for i in indices],
        "candidates": list(candidates),
    }
    return CoordinateError(message + advice, where=where, details=details)


def _flat_arrays(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x_arr, y_arr = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return x_arr.ravel(), y_arr.ravel()


def _range(values: NDArray) -> str:
    return f"{_fmt(values.min())}..{_fmt(values.max())}"


def _fmt(value: float) -> str:
    # Metres to the decimetre, degrees to the micro-degree (~0.1 m): enough to recognise;
    # absurd magnitudes (beyond any CRS on Earth) in short scientific notation.
    if abs(value) >= 1e9:
        return f"{value:.4g}"
    return f"{value:.1f}" if abs(value) >= _METRES_THRESHOLD else f"{value:.6f}"


def _json_number(value: float) -> float | str:
    return float(value) if np.isfinite(value) else str(value)
