"""Coverage checks of an imported layer: gaps, overlaps, children outside their parent.

A level of regions (or a departmental layer) should tile its area: no two features overlap,
no hole is left between them, and each child lies inside its parent. Found here, in the
file's own (WGS84) geometries before anything is stored, so the dry run can show them.
Areas are geodesic (pyproj.Geod on WGS84), in m².
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from pydantic import BaseModel, Field
from pyproj import Geod
from shapely.geometry import Polygon, mapping

# Pieces up to 1 m² are ignored: imported boundaries are digitised to a few decimetres at
# best, so smaller slivers are rounding, not a disagreement a planner can act on. (Cells of
# a generation are held to a stricter, exact standard by grid validation.)
TOLERANCE_M2 = 1.0
LISTED = 200            # problems listed in the report; the counts are always complete
_GEOJSON_DECIMALS = 7   # ~1 cm
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Piece:
    """One feature of the layer: its index in the file, its code and its WGS84 geometry."""

    index: int
    code: str | None
    geom: object


class CoverageProblem(BaseModel):
    kind: Literal["gap", "overlap", "outside_parent"]
    level: str | None = Field(None, description="the level checked (regions)")
    features: list[int] = Field(description="feature indices in the file (from 0)")
    codes: list[str] = Field(description="overlap: the two features; outside_parent: the "
                             "child then its parent; gap: the parent it is in, if any")
    area_m2: float
    geometry: dict = Field(description="where, as GeoJSON (EPSG:4326)")


class CoverageCheck(BaseModel):
    """Gaps, overlaps and children outside their parent found in the file."""

    tolerance_m2: float = TOLERANCE_M2
    gaps: int = 0
    overlaps: int = 0
    outside_parent: int = 0
    gap_m2: float = 0.0
    overlap_m2: float = 0.0
    outside_parent_m2: float = 0.0
    problems: list[CoverageProblem] = Field([], description=f"the first {LISTED}")

    def add(self, problems: Sequence[CoverageProblem]) -> None:
        for problem in problems:
            count = {"gap": "gaps", "overlap": "overlaps"}.get(problem.kind, problem.kind)
            setattr(self, count, getattr(self, count) + 1)
            total = f"{problem.kind}_m2"
            setattr(self, total, getattr(self, total) + problem.area_m2)
            if len(self.problems) < LISTED:
                self.problems.append(problem)

    def lines(self) -> list[str]:
        if not (self.gaps or self.overlaps or self.outside_parent):
            return ["  coverage: no gaps, no overlaps, no child outside its parent "
                    f"(over {self.tolerance_m2:g} m²)"]
        lines = [f"  coverage: {self.gaps} gaps ({self.gap_m2:,.0f} m²), {self.overlaps} "
                 f"overlaps ({self.overlap_m2:,.0f} m²), {self.outside_parent} outside their "
                 f"parent ({self.outside_parent_m2:,.0f} m²)"]
        for p in self.problems[:20]:
            spot = shapely.geometry.shape(p.geometry).representative_point()
            what = (" / ".join(p.codes) or ", ".join(f"#{i}" for i in p.features)
                    or f"between the {p.level or 'feature'}s")
            lines.append(f"    {p.kind.replace('_', ' ')} {what}: {p.area_m2:,.0f} m² near "
                         f"{spot.x:.6f}, {spot.y:.6f}")
        if len(self.problems) > 20:
            lines.append("    … the rest in the JSON report (--json)")
        return lines


def overlaps(pieces: Sequence[Piece], *, level: str | None = None) -> list[CoverageProblem]:
    """Every pair of features sharing more than the tolerance."""
    geoms = np.array([p.geom for p in pieces], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    once = left < right
    left, right = left[once], right[once]
    # Neighbours in a tiling only touch: skip them before any (costly) intersection.
    inner = ~shapely.touches(geoms[left], geoms[right])
    problems = []
    for i, j in zip(left[inner], right[inner], strict=True):
        shared = _areas(shapely.intersection(geoms[i], geoms[j]))
        if shared is not None:
            problems.append(_problem("overlap", level, [pieces[i], pieces[j]], shared))
    return problems


def holes(pieces: Sequence[Piece], *, level: str | None = None) -> list[CoverageProblem]:
    """Areas enclosed by the features but covered by none (holes of their union)."""
    union = shapely.union_all([p.geom for p in pieces])
    rings = [ring for poly in shapely.get_parts(union) for ring in poly.interiors]
    problems = []
    for ring in rings:
        gap = _areas(Polygon(ring).difference(union))
        if gap is not None:
            problems.append(_problem("gap", level, [], gap))
    return problems


def within_parent(parent: Piece, children: Sequence[Piece], *, level: str | None,
                  parent_in_file: bool) -> list[CoverageProblem]:
    """Children sticking out of their parent; and, when the parent is in the same file
    (so all its children presumably are), the parent's area no child covers."""
    problems = []
    for child in children:
        outside = _areas(shapely.difference(child.geom, parent.geom))
        if outside is not None:
            problems.append(_problem("outside_parent", level, [child, parent], outside))
    if parent_in_file:
        uncovered = shapely.difference(parent.geom, shapely.union_all([c.geom for c in children]))
        for part in shapely.get_parts(uncovered):
            gap = _areas(part)
            if gap is not None:
                problems.append(_problem("gap", level, [parent], gap))
    return problems


def check_layer(pieces: Sequence[Piece]) -> CoverageCheck:
    """A departmental layer: overlaps and holes."""
    check = CoverageCheck()
    if pieces:
        check.add(overlaps(pieces))
        check.add(holes(pieces))
    return check


def check_levels(pieces: Sequence[Piece], *, level_of: dict[int, str],
                 parent_of: dict[int, str | None], parents: dict[str, Piece],
                 in_file: set[str]) -> CoverageCheck:
    """Regions, level by level: overlaps within the level; children against their parent
    (from the file, else from the database); holes among features whose parent is not in
    the file (a top level such as a province's districts)."""
    check = CoverageCheck()
    by_level: dict[str, list[Piece]] = defaultdict(list)
    for piece in pieces:
        by_level[level_of[piece.index]].append(piece)
    for level, members in by_level.items():
        check.add(overlaps(members, level=level))
        by_parent: dict[str | None, list[Piece]] = defaultdict(list)
        for piece in members:
            by_parent[parent_of[piece.index]].append(piece)
        orphans = [p for code, kids in by_parent.items() if code not in in_file for p in kids]
        if orphans:
            check.add(holes(orphans, level=level))
        for code, kids in by_parent.items():
            if code is not None and code in parents:
                check.add(within_parent(parents[code], kids, level=level,
                                        parent_in_file=code in in_file))
    return check


def _areas(geom):
    """The polygonal part of `geom` if its area exceeds the tolerance, else None."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    polygonal = shapely.union_all(parts)
    return polygonal if _area_m2(polygonal) > TOLERANCE_M2 else None


def _area_m2(geom) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0])


def _problem(kind: str, level: str | None, pieces: Sequence[Piece], geom) -> CoverageProblem:
    rounded = shapely.set_precision(geom, 10 ** -_GEOJSON_DECIMALS)
    return CoverageProblem(kind=kind, level=level, features=[p.index for p in pieces
                                                             if p.index >= 0],
                           codes=[p.code for p in pieces if p.code],
                           area_m2=round(_area_m2(geom), 2),
                           geometry=mapping(rounded if not rounded.is_empty else geom))
