"""Reads of departmental layers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.errors import NotFound
from gis.layers.models import LegacyLayer
from gis.layers.schemas import LayerSummary


def list_layers(session: Session, *, department: str | None = None) -> list[LayerSummary]:
    stmt = select(LegacyLayer).order_by(LegacyLayer.department, LegacyLayer.id)
    if department is not None:
        stmt = stmt.where(LegacyLayer.department == department)
    return [LayerSummary.model_validate(layer) for layer in session.scalars(stmt)]


def get_layer(session: Session, *, layer_id: int) -> LayerSummary:
    layer = session.get(LegacyLayer, layer_id)
    if layer is None:
        raise NotFound(f"layer {layer_id} does not exist", where="layer_id")
    return LayerSummary.model_validate(layer)
