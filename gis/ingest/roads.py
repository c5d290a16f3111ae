"""Road line import: read any OGR file, keep line features in WGS84, store into road_lines.

Dry run unless commit=True; a commit replaces the lines an earlier import of the same
file name stored (re-importing a corrected file must not double the roads), and is all or
nothing unless skip_invalid; it rebuilds the road network dispatch routes on
(gis/roads/network.py). The caller owns the transaction."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.crs import check_declared_crs, to_wgs84_geometry
from gis.errors import InvalidInput
from gis.ingest.area import features_outside, restricted
from gis.ingest.columns import cell_text, map_columns
from gis.ingest.read import read_source
from gis.ingest.schemas import Rejection
from gis.ingest.service import ImportOptions
from gis.ingest.validate import (
    MAX_VERTICES,
    declared_spec,  # the same CRS rule as every import
)
from gis.roads.network import rebuild as rebuild_network

LINE_TYPES = ("LineString", "MultiLineString")
# Headers of a road's class, compared lower-case: OSM's highway/fclass, survey tables' 等级.
KIND_HEADERS = ("kind", "fclass", "highway", "class", "type", "道路等级", "等级", "类型")


class RoadReport(BaseModel):
    """What a road import read, rejected and (once committed) stored."""

    source: str
    crs: str
    crs_note: str | None = None
    features_read: int = 0
    valid: int = 0
    rejected: list[Rejection] = []
    replaced: int = 0  # lines of an earlier import of this file, replaced on commit
    committed: bool = False
    network: dict[str, int] | None = None  # the routing network rebuilt on commit

    def summary(self, *, outcome: bool = True) -> str:
        lines = [f"{self.source}: {self.features_read} features read, {self.valid} road "
                 f"lines valid, {len(self.rejected)} rejected; CRS {self.crs}"
                 + (f" ({self.crs_note})" if self.crs_note else "")]
        lines += [f"  rejected #{r.index} [{r.field}]: {r.reason}" for r in self.rejected]
        if self.replaced:
            lines.append(f"  replaces {self.replaced} lines of an earlier import of this file")
        if self.network:
            lines.append(f"  road network for dispatch: {self.network['vertices']} junctions, "
                         f"{self.network['edges']} road segments")
        if outcome:
            lines.append("  committed." if self.committed
                         else "  dry run: nothing was written (use --commit to apply).")
        return "\n".join(lines)


def import_roads(session: Session, *, path: Path, source_name: str | None = None,
                 options: ImportOptions = ImportOptions(), commit: bool = False,
                 principal: Principal | None = None) -> RoadReport:
    """principal: a scoped caller imports (and replaces) only lines inside its area."""
    source = read_source(path, source_name=source_name, layer=options.layer,
                         wkt_column=options.wkt_column, limits=options.limits)
    spec, note = declared_spec(source, options.crs)
    lines, rejections = _usable_lines(source.geometries)
    if lines:
        coords = shapely.get_coordinates(np.array(list(lines.values())))
        check_declared_crs(coords[:, 0], coords[:, 1], spec, where=source.source_name)
        lines = dict(zip(lines, to_wgs84_geometry(np.array(list(lines.values())), spec),
                         strict=True))
    outside = features_outside(session, principal, lines)
    lines = {i: g for i, g in lines.items() if i not in {x.index for x in outside}}
    rejections = sorted(rejections + outside, key=lambda r: r.index)
    earlier = _replaceable(session, principal, source=source.source_name)
    report = RoadReport(source=source.source_name, crs=spec.label, crs_note=note,
                        features_read=len(source), valid=len(lines), rejected=rejections,
                        replaced=len(earlier))
    if commit:
        _refuse_partial(report, skip_invalid=options.skip_invalid)
        name_column = map_columns(source.attributes, source=source.source_name,
                                  name=options.name_column).name
        kind_column = _kind_column(source.attributes.columns)
        rows = [{"name": _cell(source, index, name_column), "kind": _cell(source, index,
                 kind_column), "source": source.source_name,
                 "wkb": shapely.to_wkb(geom, hex=True)} for index, geom in lines.items()]
        session.execute(text("DELETE FROM road_lines WHERE id = ANY(:ids)"),
                        {"ids": earlier})
        # ST_Multi: road_lines.geom is MultiLineString; the WKB is already EPSG:4326.
        session.execute(text(
            "INSERT INTO road_lines (name, kind, source, geom) VALUES (:name, :kind, "
            ":source, ST_Multi(ST_GeomFromWKB(decode(:wkb, 'hex'), 4326)))"), rows)
        report.network = rebuild_network(session)
        report.committed = True
    return report


def _usable_lines(geometries) -> tuple[dict[int, object], list[Rejection]]:
    """Line features by index (2-D); everything else rejected with the reason."""
    lines, rejections = {}, []
    for index, geom in enumerate(geometries):
        problem = _unusable(geom)
        if problem:
            rejections.append(Rejection(index=index, field="geometry", reason=problem))
        else:
            lines[index] = shapely.force_2d(geom)
    return lines, rejections


def _unusable(geom) -> str | None:
    if geom is None or geom.is_empty:
        return "no geometry"
    if geom.geom_type not in LINE_TYPES:
        return f"a {geom.geom_type}, not a line (roads are LineString or MultiLineString)"
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "NaN or infinite coordinates"
    if len(coords) > MAX_VERTICES:
        return f"{len(coords)} vertices, over the limit of {MAX_VERTICES}"
    if geom.length == 0:
        return "zero length (all its points are one spot)"
    return None


def _replaceable(session: Session, principal: Principal | None, *, source: str) -> list[int]:
    """Ids of the lines an earlier import of this file stored that this one replaces: all
    of them, or for a scoped caller those inside its area (another area's stay)."""
    stored = dict(session.execute(text(
        "SELECT id, ST_AsBinary(geom) FROM road_lines WHERE source = :source"),
        {"source": source}).all())
    if not restricted(principal):
        return sorted(stored)
    outside = {r.index for r in features_outside(session, principal, {
        i: shapely.from_wkb(bytes(wkb)) for i, wkb in stored.items()})}
    return sorted(set(stored) - outside)


def _kind_column(columns) -> str | None:
    by_key = {str(c).lower(): c for c in columns}
    return next((by_key[h] for h in KIND_HEADERS if h in by_key), None)


def _cell(source, index: int, column: str | None) -> str | None:
    return cell_text(source.attributes.iloc[index][column]) if column else None


def _refuse_partial(report: RoadReport, *, skip_invalid: bool) -> None:
    """All or nothing, unless the caller asked to skip the invalid features."""
    if report.valid == 0:
        first = (f" (first rejected: #{report.rejected[0].index} {report.rejected[0].reason})"
                 if report.rejected else "")
        raise InvalidInput(f"{report.source}: no road line to import{first}; nothing was "
                           "written", where=report.source,
                           details={"report": report.model_dump()})
    if report.rejected and not skip_invalid:
        first = report.rejected[0]
        raise InvalidInput(
            f"{report.source}: {len(report.rejected)} of {report.features_read} features "
            f"rejected (first: #{first.index} [{first.field}] {first.reason}); nothing was "
            f"written. Fix them, or pass --skip-invalid to import the {report.valid} valid "
            "ones.", where=report.source)
