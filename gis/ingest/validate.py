"""Geometry checks of an import: reject what cannot be used, move to WGS84, repair what can be."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

from gis.crs import WGS84, CrsSpec, check_declared_crs, resolve_crs, to_wgs84_geometry
from gis.crs.datum import DatumCheck, check_boundaries
from gis.ingest.read import SourceLayer
from gis.ingest.schemas import Rejection, Repair

# A departmental cell or a village boundary has hundreds, at most tens of thousands, of
# vertices; a million is a mistake (a contour layer, a stream of GPS points) or an attack.
MAX_VERTICES = 100_000


@dataclass
class CheckedGeometries:
    """Usable geometries by feature index (WGS84, valid, polygonal), and what happened."""

    geometries: dict[int, Polygon | MultiPolygon]
    crs: CrsSpec
    crs_note: str | None = None
    datum: DatumCheck | None = None  # inside China and in degrees: the datum check's verdict
    raw_geoms: object = None  # the polygons as read, while the datum check could not tell
    repairs: list[Repair] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def check_geometries(layer: SourceLayer, *, declared_crs: str | None,
                     max_vertices: int = MAX_VERTICES, repair: bool = True
                     ) -> CheckedGeometries:
    """Reject unusable features, transform the rest to WGS84, repair invalid ones.

    Whole-file CRS mistakes (metres declared as degrees, swapped axes, outside China)
    raise CoordinateError naming the file: one bad CRS spoils every feature. A layer in
    degrees inside China is also compared with the national county lines (datum check)."""
    candidates, rejections = _precheck(layer, max_vertices=max_vertices)
    spec, note = declared_spec(layer, declared_crs)
    datum, raw_geoms = None, None
    if candidates:
        indices = list(candidates)
        coords = shapely.get_coordinates(np.array([candidates[i] for i in indices]))
        check_declared_crs(coords[:, 0], coords[:, 1], spec, where=layer.source_name)
        raw = np.array([candidates[i] for i in indices])
        datum = check_boundaries(raw, spec=spec, where=layer.source_name)
        raw_geoms = raw if datum and datum.best is None else None
        moved = to_wgs84_geometry(np.array([candidates[i] for i in indices]), spec)
        candidates = dict(zip(indices, moved, strict=True))
    geometries, repairs = {}, []
    for index, geom in candidates.items():
        fixed, repaired, rejection = repair_geometry(index, geom, repair=repair)
        if rejection is not None:
            rejections.append(rejection)
            continue
        geometries[index] = fixed
        if repaired is not None:
            repairs.append(repaired)
    return CheckedGeometries(geometries=geometries, crs=spec, crs_note=note, datum=datum,
                             raw_geoms=raw_geoms, repairs=repairs,
                             rejections=sorted(rejections, key=lambda r: r.index))


def declared_spec(layer: SourceLayer, declared_crs: str | None) -> tuple[CrsSpec, str | None]:
    """The caller's --crs wins over the file's own; a file without any is assumed WGS84."""
    file_spec = resolve_crs(layer.crs_text) if layer.crs_text else None
    if declared_crs:
        spec = resolve_crs(declared_crs)
        if file_spec is not None and file_spec != spec:
            return spec, f"declared {declared_crs} overrides the file's {file_spec.label}"
        return spec, None
    if file_spec is None:
        return WGS84, "the file declares no CRS: assumed EPSG:4326 (give --crs otherwise)"
    return file_spec, None


def _precheck(layer: SourceLayer, *, max_vertices: int
              ) -> tuple[dict[int, Polygon | MultiPolygon], list[Rejection]]:
    candidates, rejections = {}, []
    for index, geom in enumerate(layer.geometries):
        problem = layer.parse_errors.get(index) or _unusable(geom, max_vertices=max_vertices)
        if problem:
            rejections.append(Rejection(index=index, field="geometry", reason=problem))
        else:
            candidates[index] = _polygonal(shapely.force_2d(geom))
    return candidates, rejections


def _unusable(geom, *, max_vertices: int) -> str | None:
    if geom is None:
        return "no geometry"
    if geom.is_empty:
        return "empty geometry"
    if _polygonal(geom) is None:
        return f"a {geom.geom_type}, not a polygon"
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "NaN or infinite coordinates"
    if len(coords) > max_vertices:
        return f"{len(coords)} vertices, over the limit of {max_vertices}"
    return None


def _polygonal(geom) -> Polygon | MultiPolygon | None:
    """Polygons as they are; a collection (KML MultiGeometry) only if all its parts are areas."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = list(getattr(geom, "geoms", []))
    if parts and all(isinstance(p, (Polygon, MultiPolygon)) for p in parts):
        return MultiPolygon([poly for p in parts for poly in getattr(p, "geoms", [p])])
    return None


def repair_geometry(index: int, geom, *, repair: bool = True
                    ) -> tuple[Polygon | MultiPolygon | None, Repair | None, Rejection | None]:
    """A valid polygonal geometry as it is; an invalid one rebuilt (with the Repair saying
    why and how) or, if nothing with an area is left or repair=False, a Rejection. Every
    import (regions, layers, buildings) uses this."""
    if geom.is_valid:
        return geom, None, None
    reason = _readable(explain_validity(geom))
    if not repair:
        return None, None, Rejection(index=index, field="geometry", reason=(
            f"invalid ({reason}); --repair would rebuild it"))
    # "structure" treats rings as area boundaries (a bow-tie becomes two triangles) and,
    # with keep_collapsed=False, drops parts that collapse to lines: the result is polygonal.
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    fixed = _polygonal(fixed) if not fixed.is_empty else None
    if fixed is None or fixed.is_empty or not fixed.is_valid:
        return None, None, Rejection(index=index, field="geometry",
                                     reason=f"invalid ({reason}) and repair left no area")
    parts = len(getattr(fixed, "geoms", [fixed]))
    before = len(getattr(geom, "geoms", [geom]))
    how = (f"rebuilt with make_valid (structure method): {before} polygon(s) became {parts}"
           if parts != before else "rebuilt with make_valid (structure method), same parts")
    return fixed, Repair(index=index, reason=reason, how=how), None


def _readable(explanation: str) -> str:
    """GEOS says 'Self-intersection[106.1 29.8]'; we say 'Self-intersection at 106.1 29.8'."""
    return explanation.replace("[", " at ").rstrip("]")
