"""One cell as a GeoJSON Feature, and edit results as plain dicts for the API and the CLI."""
from __future__ import annotations

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from gis.errors import NotFound
from gis.grid.edits import CellChange, current_cell
from gis.sql import query


def cell_feature(session: Session, *, generation_id: int, code: str) -> dict:
    cell = current_cell(session, generation_id=generation_id, code=code)
    if cell is None:
        raise NotFound(f"cell {code} is not in generation {generation_id}", where="code")
    return {"type": "Feature", "id": cell.code.strip(), "geometry": mapping(to_shape(cell.geom)),
            "properties": {"id": cell.id, "code": cell.code.strip(), "name": cell.name,
                           "kind": cell.kind, "dedicated_type": cell.dedicated_type,
                           "village_code": cell.village_code.strip(),
                           "area_m2": round(cell.area_m2, 1) if cell.area_m2 else None,
                           "generation_low": cell.generation_low,
                           "generation_high": cell.generation_high,
                           "generation": generation_id, "version": cell.version}}


def changes_dict(generation_id: int, changes: list[CellChange]) -> dict:
    return {"generation": generation_id,
            "changes": [{"code": c.code, "action": c.action, "cell_id": c.cell_id}
                        for c in changes]}


def edit_result(session: Session, *, generation_id: int, changes: list[CellChange]) -> dict:
    """What an editor edit returns: the changes, and every changed cell that still exists
    as a Feature with its balance (households, persons, special populations; by geometry,
    gis/sql/cell_counts.sql)."""
    codes = sorted({c.code for c in changes if c.action != "unchanged"})
    counts = {row.code: row for row in session.execute(query("cell_counts"), {
        "generation_id": generation_id, "codes": codes})}
    features = []
    for code in codes:
        cell = current_cell(session, generation_id=generation_id, code=code)
        if cell is None:
            continue
        count = counts.get(code)
        features.append({"type": "Feature", "id": code,
                         "geometry": mapping(to_shape(cell.geom)),
                         "properties": {"code": code, "name": cell.name,
                                        "version": cell.version,
                                        "households": count.households if count else 0,
                                        "persons": count.persons if count else 0,
                                        "special_populations":
                                            count.special_populations if count else 0}})
    return {**changes_dict(generation_id, changes), "generation_id": generation_id,
            "cells": {"type": "FeatureCollection", "features": features}}
