"""Keeping a draft's cells a noded coverage as they are written, and repairing a generation.

Every path that writes cells into a draft (edits, proposals) passes its new shapes through
`fit_to_neighbours` first: the new cells are rounded to the precision grid and noded with
the cells already around them, and those neighbours get the new cells' vertices that lie
on their edges. See gis.grid.coverage for the model.
"""
from __future__ import annotations

import shapely
from shapely.geometry import Polygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.grid.coverage import SNAP_TOLERANCE_DEG, invalid_edges, node_coverage
from gis.grid.lifecycle import require_draft


def cells_of(session: Session, *, generation_id: int, near: Polygon | None = None,
             excluding: set[str] = frozenset()) -> dict[str, Polygon]:
    """code -> shape of the cells valid in the generation (all, or those within the snap
    tolerance of `near`; ST_DWithin in EPSG:4326 degrees uses ix_grid_cells_geom)."""
    rows = session.execute(text(
        "SELECT btrim(code) AS code, ST_AsBinary(geom) AS wkb FROM grid_cells "
        "WHERE generation_low <= :g AND (generation_high IS NULL OR generation_high >= :g) "
        "AND (CAST(:near AS bytea) IS NULL "
        "     OR ST_DWithin(geom, ST_GeomFromWKB(CAST(:near AS bytea), 4326), :tolerance)) "
        "ORDER BY code"),
        {"g": generation_id, "near": None if near is None else shapely.to_wkb(near),
         "tolerance": SNAP_TOLERANCE_DEG}).all()
    return {row.code: shapely.from_wkb(bytes(row.wkb)) for row in rows
            if row.code not in excluding}


def fit_to_neighbours(session: Session, *, generation_id: int, cells: dict[str, Polygon],
                      leaving: set[str] = frozenset()
                      ) -> tuple[dict[str, Polygon], dict[str, Polygon]]:
    """(the new cells on the grid and noded, the neighbours whose vertices that changed).

    `cells` are the shapes about to be written (code -> polygon); `leaving` the codes the
    same edit removes, which are no neighbours. New cells snap to their neighbours'
    vertices (within SNAP_TOLERANCE_DEG, about 2 cm); a new border meant to follow a
    neighbour but drawn a metre off stays off, for validation to report."""
    if not cells:
        return {}, {}
    codes = list(cells)
    area = shapely.union_all([shapely.envelope(g) for g in cells.values()])
    neighbours = cells_of(session, generation_id=generation_id, near=area,
                          excluding=set(codes) | set(leaving))
    result = node_coverage([cells[c] for c in codes] + list(neighbours.values()))
    noded = dict(zip(codes, result.polygons[:len(codes)], strict=True))
    moved = {code: result.polygons[len(codes) + k] for k, code in enumerate(neighbours)
             if len(codes) + k in result.changed}
    return noded, moved


def repair_generation(session: Session, *, generation_id: int) -> dict:
    """Round a draft's cells to the grid and node them; what moved, and what is left."""
    from gis.grid.edits import write_cell

    draft = require_draft(session, generation_id=generation_id)
    cells = cells_of(session, generation_id=draft.id)
    codes = list(cells)
    before = invalid_edges(list(cells.values()))
    result = node_coverage(list(cells.values()))
    for index in result.changed:
        write_cell(session, draft, code=codes[index], geom=result.polygons[index], attrs={})
    after = invalid_edges(result.polygons)
    return {"generation": draft.id, "cells": len(codes),
            "cells_with_invalid_edges_before": len(before),
            "cells_changed": len(result.changed), "vertices_added": result.vertices_added,
            "vertices_moved": result.vertices_moved,
            "max_displacement_m": round(result.max_displacement_m, 4),
            "cells_with_invalid_edges_after": len(after),
            "changed_codes": sorted(codes[i] for i in result.changed),
            "still_invalid": sorted(codes[i] for i, _ in after)}
