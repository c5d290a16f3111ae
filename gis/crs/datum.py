"""Datum detection: does data inside China fit an independent reference better after undoing
a GCJ-02 (Amap/Tencent) or BD-09 (Baidu) offset than as declared?

Boundaries are compared with the national county lines (gis.crs.national): for each reading
of the raw coordinates (WGS84, GCJ-02, BD-09) the distance of every boundary vertex to the
nearest county line, in metres. Vertices far from every county line under every reading are
interior boundaries (towns, villages) and say nothing; the others are on the district's
outline, and their median distance measures the fit. Points are compared with areas they
should lie in (the loaded districts): the reading that leaves fewest points outside wins.

A verdict is "suspect" only when another reading fits markedly better than the declared one
(see _MARKEDLY); the message then gives the measured numbers and the --crs to use.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from gis.crs.national import REFERENCE_NAME, county_lines_in
from gis.crs.offsets import bd09_to_wgs84, gcj02_to_wgs84, out_of_china
from gis.crs.resolve import CrsSpec
from gis.geo import LngLatBBox

# reading → (the --crs value that declares it, its name, raw → WGS84)
_READINGS: dict[str, tuple[str, str, Callable]] = {
    "wgs84": ("EPSG:4326", "WGS84/CGCS2000", lambda x, y: (x, y)),
    "gcj02": ("gcj02", "GCJ-02 (Amap/Tencent)", gcj02_to_wgs84),
    "bd09": ("bd09", "BD-09 (Baidu)", bd09_to_wgs84),
}
# A vertex within this of a county line under some reading is on the outline. Wider than
# the largest offset (BD-09: ~1.2 km) so the wrong reading's vertices are still counted.
_NEAR_M = 1500.0
_MIN_VERTICES = 12  # fewer outline vertices than this: too little to judge
_SAMPLE = 5000      # vertices tried at most (evenly spread): enough for a median
# Markedly better: at most half the declared reading's median distance, and 100 m closer
# (the reference is generalised: real WGS84 outlines sit tens of metres from it).
_MARKEDLY = 0.5
_MIN_GAIN_M = 100.0
# ... and the best reading must lie on the reference (median within this): outlines that
# follow no county line (a hand-drawn box) fit every reading badly and prove nothing.
_ON_LINE_M = 200.0
# Points: the declared reading leaves at least 3 (and 1%) more points outside, and at least
# three times as many as the best reading.
_MIN_POINTS_GAINED = 3
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_320.0


class DatumFit(BaseModel):
    """How well one reading of the coordinates fits the reference."""

    crs: str = Field(description="the --crs value of this reading")
    label: str
    median_m: float | None = Field(None, description="boundaries: median distance (m) of "
                                   "outline vertices to the nearest county line")
    outside: int | None = Field(None, description="points: how many fall outside the areas")


class DatumCheck(BaseModel):
    """The verdict of a datum check, with the measurements behind it."""

    reference: str
    declared: str = Field(description="the reading the import would use (its --crs value)")
    best: str | None = Field(None, description="the reading that fits best, if any can tell")
    suspect: bool = Field(False, description="another reading fits markedly better")
    compared: int = Field(0, description="vertices (or points) the verdict rests on")
    shift_m: float | None = Field(None, description="size of the suggested shift here (m)")
    fits: list[DatumFit] = []
    message: str


def reading_of(spec: CrsSpec) -> str | None:
    """The reading a declared CRS means; None where web-map offsets do not apply."""
    if spec.kind in ("gcj02", "bd09"):
        return spec.kind
    return "wgs84" if spec.epsg in (4326, 4490) else None


def check_boundaries(x: NDArray, y: NDArray, *, spec: CrsSpec, where: str
                     ) -> DatumCheck | None:
    """Compare raw boundary vertices (in `spec`) with the county lines; None if not in China
    or the declared CRS is not one the offsets apply to (projected data)."""
    declared = reading_of(spec)
    x, y = _sample(x, y)
    if declared is None or x.size == 0 or out_of_china(x, y).any():
        return None
    readings = {key: fn(x, y) for key, (_, _, fn) in _READINGS.items()}
    distances = _distances_to_county_lines(readings)
    outline = np.min(np.vstack(list(distances.values())), axis=0) < _NEAR_M
    compared = int(outline.sum())
    fits = [DatumFit(crs=_READINGS[k][0], label=_READINGS[k][1],
                     median_m=round(float(np.median(d[outline])), 1) if compared else None)
            for k, d in distances.items()]
    if compared < _MIN_VERTICES:
        return DatumCheck(reference=REFERENCE_NAME, declared=_READINGS[declared][0],
                          compared=compared, fits=fits, message=(
                              f"{where}: only {compared} boundary vertices lie near county "
                              "lines: too few to tell WGS84 from GCJ-02/BD-09"))
    medians = {k: float(np.median(d[outline])) for k, d in distances.items()}
    best = min(medians, key=medians.get)
    suspect = best != declared and medians[best] <= _MARKEDLY * medians[declared] \
        and medians[declared] - medians[best] >= _MIN_GAIN_M and medians[best] <= _ON_LINE_M
    what = (f"median distance of {compared} outline vertices to the nearest county line: "
            + ", ".join(f"{f.median_m:.0f} m read as {f.label}" for f in fits))
    return _verdict(readings, declared=declared, best=best, suspect=suspect, fits=fits,
                    compared=compared, where=where, what=what, evidence="the boundaries")


def check_points(x: NDArray, y: NDArray, *, spec: CrsSpec, areas, areas_name: str,
                 where: str) -> DatumCheck | None:
    """Compare raw points (in `spec`) with the polygons they should lie in."""
    declared = reading_of(spec)
    x, y = _sample(x, y)
    if declared is None or x.size == 0 or areas is None or out_of_china(x, y).any():
        return None
    shapely.prepare(areas)
    readings = {key: fn(x, y) for key, (_, _, fn) in _READINGS.items()}
    outside = {k: int((~shapely.contains_xy(areas, lon, lat)).sum())
               for k, (lon, lat) in readings.items()}
    fits = [DatumFit(crs=_READINGS[k][0], label=_READINGS[k][1], outside=n)
            for k, n in outside.items()]
    best = min(outside, key=lambda k: (outside[k], k != declared))
    gained = outside[declared] - outside[best]
    suspect = best != declared and gained >= max(_MIN_POINTS_GAINED, 0.01 * x.size) \
        and outside[declared] >= 3 * outside[best]
    what = (f"points outside {areas_name} among {x.size}: "
            + ", ".join(f"{f.outside} read as {f.label}" for f in fits))
    return _verdict(readings, declared=declared, best=best, suspect=suspect, fits=fits,
                    compared=int(x.size), where=where, what=what, evidence="the points")


def _verdict(readings: dict, *, declared: str, best: str, suspect: bool, fits, compared: int,
             where: str, what: str, evidence: str) -> DatumCheck:
    shift = _shift_m(readings[declared], readings[best]) if best != declared else None
    if suspect:
        option, label = _READINGS[best][0], _READINGS[best][1]
        message = (f"{where}: {evidence} fit the reference markedly better read as {label} "
                   f"than as declared ({_READINGS[declared][1]}): {what}; that shift is "
                   f"{shift:.0f} m here. Import with --crs {option}, or declare "
                   f"--crs {_READINGS[declared][0]} explicitly if you are sure.")
    else:
        message = f"{where}: {evidence} fit the reference as declared ({what})"
    return DatumCheck(reference=REFERENCE_NAME, declared=_READINGS[declared][0],
                      best=_READINGS[best][0], suspect=suspect, compared=compared,
                      shift_m=None if shift is None else round(shift, 1), fits=fits,
                      message=message)


def _sample(x, y) -> tuple[NDArray, NDArray]:
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    step = max(1, x.size // _SAMPLE)
    return x[::step], y[::step]


def _distances_to_county_lines(readings: dict) -> dict[str, NDArray]:
    """Distance (m) of each reading's points to the nearest county line, capped at _NEAR_M.

    Computed in a local equirectangular frame around the data (metres east and north of its
    centre): over a district's extent its scale error is well under 1%, ample for a verdict."""
    lon0 = float(np.median(readings["wgs84"][0]))
    lat0 = float(np.median(readings["wgs84"][1]))
    kx = _METRES_PER_DEGREE_LON_EQUATOR * np.cos(np.radians(lat0))
    margin = _NEAR_M / _METRES_PER_DEGREE_LAT * 2
    all_lon = np.concatenate([lon for lon, _ in readings.values()])
    all_lat = np.concatenate([lat for _, lat in readings.values()])
    bbox = LngLatBBox(all_lon.min() - margin, all_lat.min() - margin,
                      all_lon.max() + margin, all_lat.max() + margin)

    def local(lon, lat):
        return (lon - lon0) * kx, (lat - lat0) * _METRES_PER_DEGREE_LAT

    lines = shapely.transform(county_lines_in(bbox), lambda c: np.column_stack(
        local(c[:, 0], c[:, 1])))
    tree = shapely.STRtree(lines)
    out = {}
    for key, (lon, lat) in readings.items():
        distance = np.full(lon.size, _NEAR_M)
        if len(lines):
            points = shapely.points(*local(lon, lat))
            (which, _), found = tree.query_nearest(points, max_distance=_NEAR_M,
                                                   return_distance=True)
            np.minimum.at(distance, which, found)
        out[key] = distance
    return out


def _shift_m(a: tuple[NDArray, NDArray], b: tuple[NDArray, NDArray]) -> float:
    """Median distance (m) between two readings of the same points."""
    lat = np.radians(a[1])
    dx = (a[0] - b[0]) * _METRES_PER_DEGREE_LON_EQUATOR * np.cos(lat)
    dy = (a[1] - b[1]) * _METRES_PER_DEGREE_LAT
    return float(np.median(np.hypot(dx, dy)))
