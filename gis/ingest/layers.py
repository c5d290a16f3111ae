"""Departmental layer features of an import: their code, name and other columns, and the store."""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.ingest.columns import ColumnMap, cell_text
from gis.ingest.read import SourceLayer
from gis.ingest.validate import CheckedGeometries
from gis.layers.models import LegacyLayer
from gis.sql import query
from gis.text_guard import clean_name

MAX_NAME = 200


@dataclass(frozen=True)
class LegacyRow:
    index: int
    source_code: str | None
    name: str | None
    attributes: dict
    geom: object

    def as_param(self) -> dict:
        return {"idx": self.index, "source_code": self.source_code, "name": self.name,
                "attributes": self.attributes, "wkb": shapely.to_wkb(self.geom, hex=True)}


def legacy_rows(layer: SourceLayer, checked: CheckedGeometries, columns: ColumnMap
                ) -> list[LegacyRow]:
    """Departments' codes follow no national rule, so they are kept as text, unchecked;
    every column (code and name included) is also kept verbatim in `attributes`."""
    rows = []
    for index in sorted(checked.geometries):
        record = layer.attributes.iloc[index]
        rows.append(LegacyRow(
            index=index,
            source_code=cell_text(record[columns.code]) if columns.code else None,
            name=_name(record[columns.name], where=f"feature {index}") if columns.name
            else None,
            attributes={str(k): _json_value(v) for k, v in record.items()},
            geom=checked.geometries[index]))
    return rows


def _name(value, *, where: str) -> str | None:
    """A legacy cell's name, cleaned like every name (gis/text_guard.py)."""
    text = cell_text(value)
    return clean_name(text, where=f"{where} name", max_length=MAX_NAME) if text else None


def _json_value(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return None if _is_missing(value) else str(value)


def _is_missing(value) -> bool:
    try:
        return bool(value != value)  # NaT and NA are not equal to themselves
    except (TypeError, ValueError):
        return False


def same_name_layers(session: Session, *, department: str, name: str) -> list[int]:
    return list(session.scalars(select(LegacyLayer.id).where(
        LegacyLayer.department == department, LegacyLayer.name == name)
        .order_by(LegacyLayer.id)))


def store(session: Session, *, department: str, name: str, source_file: str, crs_label: str,
          rows: list[LegacyRow], imported_by: str | None = None) -> int:
    """Insert the layer and its cells; returns the new layer id."""
    layer = LegacyLayer(department=department, name=name, source_file=source_file,
                        crs_label=crs_label, feature_count=len(rows), imported_by=imported_by)
    session.add(layer)
    session.flush()
    if rows:
        session.execute(query("import_layer_cells"), {
            "layer_id": layer.id,
            "features": json.dumps([r.as_param() for r in rows], ensure_ascii=False)})
    return layer.id
