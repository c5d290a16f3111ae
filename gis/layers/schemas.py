"""Pydantic shapes of departmental layers and of their conflation with the unified grid."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class LayerSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    department: str
    name: str
    source_file: str
    imported_at: dt.datetime
    crs_label: str
    feature_count: int


class Thresholds(BaseModel):
    """A legacy/unified overlap below either threshold is noise (shared edges, wobble)."""

    min_share: float = Field(0.01, ge=0, le=1, description=(
        "of the smaller of the two cells' areas (legacy or unified): a unified cell wholly "
        "inside a large legacy cell is never noise"))
    min_area_m2: float = Field(1.0, ge=0)


class Share(BaseModel):
    """One entry of the area-share matrix."""

    legacy_id: int
    cell_id: int
    cell_code: str
    village_code: str
    shared_m2: float
    share: float = Field(description="shared area / the legacy cell's area")


class LegacyCellMatch(BaseModel):
    """How one legacy cell maps onto the unified grid."""

    id: int
    source_code: str | None
    name: str | None
    area_m2: float
    cells: list[str] = Field(description="unified cell codes it overlaps, largest share first")
    best_cell: str | None
    best_share: float = Field(description="share of its area in its best unified cell")
    covered_share: float = Field(description="share of its area inside any unified cell")
    split: bool = Field(description="overlaps more than one unified cell (above noise)")
    geometry: dict | None = None


class UncoveredArea(BaseModel):
    """The part of a village that the legacy layer does not cover (pieces over the noise
    threshold, as one MultiPolygon per village)."""

    village_code: str
    village_name: str
    area_m2: float
    parts: int
    geometry: dict


class Conflation(BaseModel):
    layer: LayerSummary
    generation: int
    thresholds: Thresholds
    agreement: float = Field(description=(
        "area-weighted mean, over the legacy cells, of the share of each legacy cell that "
        "lies in its single best unified cell: 1.0 = every legacy cell sits inside one "
        "unified cell; legacy cells outside the unified grid count as 0"))
    legacy_cells: int
    split_cells: int
    unmatched_cells: int = Field(description="legacy cells that overlap no unified cell")
    uncovered_m2: float
    matches: list[LegacyCellMatch]
    shares: list[Share]
    uncovered: list[UncoveredArea]
