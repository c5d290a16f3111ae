"""Conflation: how a departmental layer's cells map onto the unified cells of a generation.

Agreement score of a layer = Σ area_i · best_share_i / Σ area_i over its legacy cells,
where best_share_i is the share of legacy cell i's area inside the one unified cell that
holds most of it (overlaps under the noise thresholds ignored). 1.0 means each legacy
cell lies inside a single unified cell, so the department can keep working cell by cell;
a legacy cell split evenly over two unified cells scores 0.5; one outside the grid, 0."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.exports import csv_text
from gis.layers.schemas import (
    Conflation,
    LegacyCellMatch,
    Share,
    Thresholds,
    UncoveredArea,
)
from gis.layers.service import get_layer
from gis.sql import query


def conflate(session: Session, *, layer_id: int, generation_id: int,
             thresholds: Thresholds = Thresholds(), with_geometry: bool = False) -> Conflation:
    layer = get_layer(session, layer_id=layer_id)
    # PostGIS functions carry high planner costs, so these small queries cross
    # jit_above_cost and spend ~2 s compiling code that only calls into GEOS. Off for
    # the rest of this transaction only (SET LOCAL), which is the caller's to end.
    session.execute(text("SET LOCAL jit = off"))
    params = {"layer_id": layer_id, "generation_id": generation_id,
              "min_share": thresholds.min_share, "min_area_m2": thresholds.min_area_m2}
    shares = [Share(**row) for row in session.execute(
        query("conflation_shares"), params).mappings()]
    legacy = session.execute(query("conflation_legacy_cells"),
                             {"layer_id": layer_id, "with_geometry": with_geometry}).mappings()
    matches = _matches(legacy, shares)
    uncovered = [UncoveredArea(**row) for row in session.execute(
        query("conflation_uncovered"), params).mappings()]
    return Conflation(
        layer=layer, generation=generation_id, thresholds=thresholds,
        agreement=agreement(matches), legacy_cells=len(matches),
        split_cells=sum(m.split for m in matches),
        unmatched_cells=sum(not m.cells for m in matches),
        uncovered_m2=sum(u.area_m2 for u in uncovered),
        matches=matches, shares=shares, uncovered=uncovered)


def _matches(legacy_rows, shares: list[Share]) -> list[LegacyCellMatch]:
    by_legacy: dict[int, list[Share]] = defaultdict(list)
    for share in shares:  # already ordered largest first per legacy cell
        by_legacy[share.legacy_id].append(share)
    matches = []
    for row in legacy_rows:
        mine = by_legacy.get(row["id"], [])
        matches.append(LegacyCellMatch(
            id=row["id"], source_code=row["source_code"], name=row["name"],
            area_m2=row["area_m2"], cells=[s.cell_code for s in mine],
            best_cell=mine[0].cell_code if mine else None,
            best_share=mine[0].share if mine else 0.0,
            covered_share=min(1.0, sum(s.share for s in mine)),
            split=len(mine) > 1, geometry=row["geometry"]))
    return matches


def agreement(matches: list[LegacyCellMatch]) -> float:
    """Area-weighted mean of the best shares (see the module docstring); 0 for no cells."""
    total = sum(m.area_m2 for m in matches)
    if total <= 0:
        return 0.0
    return sum(m.area_m2 * m.best_share for m in matches) / total


def conflation_geojson(result: Conflation) -> dict:
    """Legacy cells (with how they match) and uncovered areas as one FeatureCollection."""
    features = [{"type": "Feature", "id": f"legacy-{m.id}", "geometry": m.geometry,
                 "properties": {"kind": "legacy_cell",
                                **m.model_dump(exclude={"geometry", "cells"}),
                                "cells": ",".join(m.cells)}}
                for m in result.matches]
    features += [{"type": "Feature", "id": f"uncovered-{i}", "geometry": u.geometry,
                  "properties": {"kind": "uncovered", "village_code": u.village_code,
                                 "village_name": u.village_name, "area_m2": u.area_m2}}
                 for i, u in enumerate(result.uncovered)]
    return {"type": "FeatureCollection", "features": features,
            "layer": result.layer.model_dump(mode="json"), "generation": result.generation,
            "agreement": result.agreement}


CSV_COLUMNS = ("legacy_id", "legacy_code", "legacy_name", "legacy_area_m2", "cell_code",
               "village_code", "shared_m2", "share")


def conflation_csv(result: Conflation) -> str:
    """The area-share matrix, one row per (legacy cell, unified cell) pair; legacy cells
    that overlap no unified cell get one row with empty cell columns. Formula-safe: the
    legacy names and codes come from an uploaded file."""
    by_legacy: dict[int, list[Share]] = defaultdict(list)
    for share in result.shares:
        by_legacy[share.legacy_id].append(share)

    def rows():
        for m in result.matches:
            head = [m.id, m.source_code or "", m.name or "", round(m.area_m2, 2)]
            for s in by_legacy.get(m.id) or [None]:
                yield head + ([s.cell_code, s.village_code, round(s.shared_m2, 2),
                               round(s.share, 6)] if s else ["", "", "", ""])

    return csv_text(CSV_COLUMNS, rows())
