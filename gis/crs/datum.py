"""Datum detection: does data inside China fit an independent reference better after undoing
a GCJ-02 (Amap/Tencent) or BD-09 (Baidu) offset than as declared?

Boundaries are compared with the national county lines (gis.crs.national), or with the
district and town boundaries already loaded when the file lies inside a county: for each
reading of the raw coordinates (WGS84, GCJ-02, BD-09), how many metres of the file's
outlines run within 150 m of a reference line. Under the right reading the outer outline
follows the reference for kilometres; under a wrong one only the stretches parallel to the
shift do, and lines that merely cross the reference score alike under every reading.
Points are compared with areas they should lie in (the loaded districts): the reading that
leaves fewest points outside wins.

A verdict is "suspect" only when another reading fits markedly better than the declared
one; the message then gives the measured numbers and the --crs to use.
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
# Vertex distances are measured up to this (wider than the largest offset, BD-09's ~1.2 km).
_NEAR_M = 1500.0
# An outline within this of a reference line follows it. The county lines are generalised
# (segments of ~1.6 km): a real WGS84 outline strays tens of metres from them, while the
# GCJ-02 offset moves it ~300-600 m (BD-09 more), so 150 m separates the two.
_ALIGNED_M = 150.0
# At least this much outline must follow the reference under the best reading, and the
# best must beat the declared reading by this much and by the factor _MARKEDLY.
_MIN_ALIGNED_M = 1000.0
_MARKEDLY = 2.0
# ... and follow it over at least this share of all the outlines: a hand-drawn box whose
# edge happens to run along a county line for 5 km of its 80 km is no evidence. (A file
# of villages inside a town follows the town's outline over 20-30% of its edges.)
_MIN_SHARE = 0.1
_SAMPLE_VERTICES = 50_000  # vertices compared at most (every k-th feature)
_SAMPLE = 5000             # points compared at most (evenly spread)
# Points: the declared reading leaves at least 3 (and 1%) more points outside, and at least
# three times as many as the best reading.
_MIN_POINTS_GAINED = 3
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_320.0


class DatumFit(BaseModel):
    """How well one reading of the coordinates fits the reference."""

    crs: str = Field(description="the --crs value of this reading")
    label: str
    aligned_m: float | None = Field(None, description="boundaries: length (m) of the "
                                    "outlines within 150 m of a reference line")
    median_m: float | None = Field(None, description="boundaries: median distance (m) to "
                                   "the reference of the outline vertices within 1.5 km")
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


def check_boundaries(geoms, *, spec: CrsSpec, where: str, lines=None,
                     reference: str = REFERENCE_NAME) -> DatumCheck | None:
    """Compare raw polygons (in `spec`) with the county lines (or other WGS84 `lines`, e.g.
    loaded boundaries); None if not in China or the declared CRS is not one the offsets
    apply to (projected data).

    The measure is the length of the polygons' outlines lying within _ALIGNED_M of a
    reference line under each reading: an outline that follows the reference does so over
    kilometres under the right reading only, while lines that merely cross the reference
    (a hand-drawn box) meet it over a few hundred metres whatever the reading."""
    declared = reading_of(spec)
    geoms = _sample_geoms(np.asarray(geoms, dtype=object).ravel())
    coords = shapely.get_coordinates(geoms)
    if declared is None or coords.size == 0 or out_of_china(coords[:, 0], coords[:, 1]).any():
        return None
    frame = _LocalFrame.around(coords[:, 0], coords[:, 1])
    if lines is None:
        lines = county_lines_in(frame.bbox)
    reference_lines = shapely.union_all(frame.apply(np.asarray(lines, dtype=object)))
    near = shapely.buffer(reference_lines, _ALIGNED_M)
    outlines = shapely.boundary(geoms)
    aligned, fits = {}, []
    for key, (option, label, fn) in _READINGS.items():
        moved = frame.apply(outlines, reading=fn)
        aligned[key] = float(shapely.length(shapely.intersection(moved, near)).sum())
        distances = frame.distances(shapely.get_coordinates(moved), reference_lines)
        fits.append(DatumFit(crs=option, label=label, aligned_m=round(aligned[key], 1),
                             median_m=distances))
    best = max(aligned, key=lambda k: (aligned[k], k == declared))
    share = aligned[best] / max(float(shapely.length(frame.apply(outlines)).sum()), 1.0)
    if aligned[best] < _MIN_ALIGNED_M or share < _MIN_SHARE:
        return DatumCheck(reference=reference, declared=_READINGS[declared][0], fits=fits,
                          message=(f"{where}: only {aligned[best]:.0f} m ({share:.0%}) of the "
                                   f"outlines follow the {reference}: too little to tell "
                                   "WGS84 from GCJ-02/BD-09"))
    suspect = best != declared and aligned[best] >= _MARKEDLY * aligned[declared] \
        and aligned[best] - aligned[declared] >= _MIN_ALIGNED_M
    what = (f"outline length within {_ALIGNED_M:.0f} m of the {reference}: "
            + ", ".join(f"{f.aligned_m / 1000:.1f} km read as {f.label}" for f in fits)
            + "; median distance of the outline vertices near it: "
            + ", ".join(f"{f.median_m:.0f} m as {f.label.split(' ')[0]}" for f in fits
                        if f.median_m is not None))
    return _verdict(frame.readings(coords, declared, best), declared=declared, best=best,
                    suspect=suspect, fits=fits, compared=int(len(coords)), where=where,
                    what=what, evidence="the boundaries", reference=reference)


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
                    compared=int(x.size), where=where, what=what, evidence="the points",
                    reference=areas_name)


def _verdict(readings: dict, *, declared: str, best: str, suspect: bool, fits, compared: int,
             where: str, what: str, evidence: str, reference: str) -> DatumCheck:
    shift = _shift_m(readings[declared], readings[best]) if best != declared else None
    if suspect:
        option, label = _READINGS[best][0], _READINGS[best][1]
        message = (f"{where}: {evidence} fit the {reference} markedly better read as {label} "
                   f"than as declared ({_READINGS[declared][1]}): {what}; that shift is "
                   f"{shift:.0f} m here. Import with --crs {option}, or declare "
                   f"--crs {_READINGS[declared][0]} explicitly if you are sure.")
    else:
        message = f"{where}: {evidence} fit the {reference} as declared ({what})"
    return DatumCheck(reference=reference, declared=_READINGS[declared][0],
                      best=_READINGS[best][0], suspect=suspect, compared=compared,
                      shift_m=None if shift is None else round(shift, 1), fits=fits,
                      message=message)


def _sample_geoms(geoms: NDArray) -> NDArray:
    """Every k-th feature, so that about _SAMPLE_VERTICES vertices are compared."""
    step = max(1, int(shapely.get_num_coordinates(geoms).sum()) // _SAMPLE_VERTICES)
    return geoms[::step]


def _sample(x, y) -> tuple[NDArray, NDArray]:
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    step = max(1, x.size // _SAMPLE)
    return x[::step], y[::step]


class _LocalFrame:
    """Metres east and north of the data's centre (equirectangular): over a district's
    extent its scale error is well under 1%, ample for a verdict."""

    def __init__(self, lon0: float, lat0: float, bbox: LngLatBBox):
        self.lon0, self.lat0, self.bbox = lon0, lat0, bbox
        self.kx = _METRES_PER_DEGREE_LON_EQUATOR * np.cos(np.radians(lat0))

    @classmethod
    def around(cls, lon: NDArray, lat: NDArray) -> _LocalFrame:
        margin = 2 * _NEAR_M / _METRES_PER_DEGREE_LAT  # room for the shifted readings
        bbox = LngLatBBox(lon.min() - margin, lat.min() - margin, lon.max() + margin,
                          lat.max() + margin)
        return cls(float(np.median(lon)), float(np.median(lat)), bbox)

    def apply(self, geoms, reading=None):
        def move(coords):
            lon, lat = coords[:, 0], coords[:, 1]
            if reading is not None:
                lon, lat = reading(lon, lat)
            return np.column_stack([(lon - self.lon0) * self.kx,
                                    (lat - self.lat0) * _METRES_PER_DEGREE_LAT])
        return shapely.transform(geoms, move)

    @staticmethod
    def distances(local_xy: NDArray, reference) -> float | None:
        """Median distance (m) to the reference of the vertices within _NEAR_M of it."""
        found = shapely.distance(shapely.points(local_xy), reference)
        close = found[found < _NEAR_M]
        return round(float(np.median(close)), 1) if close.size else None

    @staticmethod
    def readings(coords: NDArray, *keys: str) -> dict:
        return {k: _READINGS[k][2](coords[:, 0], coords[:, 1]) for k in keys}


def _shift_m(a: tuple[NDArray, NDArray], b: tuple[NDArray, NDArray]) -> float:
    """Median distance (m) between two readings of the same points."""
    lat = np.radians(a[1])
    dx = (a[0] - b[0]) * _METRES_PER_DEGREE_LON_EQUATOR * np.cos(lat)
    dy = (a[1] - b[1]) * _METRES_PER_DEGREE_LAT
    return float(np.median(np.hypot(dx, dy)))
