"""The import report: what was read, repaired, rejected, and what a commit would change."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gis.crs.datum import DatumCheck
from gis.ingest.coverage import CoverageCheck


class Repair(BaseModel):
    """A feature whose geometry was invalid and was repaired (it is imported repaired)."""

    index: int = Field(description="feature index in the file, from 0 (CSV: data row, from 0)")
    reason: str = Field(description="why it was invalid, e.g. 'Self-intersection at 106.1 29.8'")
    how: str = Field(description="what the repair did, e.g. 'split into 2 polygons'")


class Rejection(BaseModel):
    """A feature that will not be imported, and why."""

    index: int = Field(description="feature index in the file, from 0 (CSV, spreadsheet: "
                                   "data row, from 0)")
    field: str = Field(description="the column at fault, or 'geometry'")
    reason: str


class RegionChange(BaseModel):
    code: str
    level: Literal["district", "town", "village"]
    name: str
    action: Literal["insert", "update", "unchanged"]
    geometry_changed: bool


class RegionChanges(BaseModel):
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    regions: list[RegionChange] = []


class LayerChange(BaseModel):
    department: str
    name: str
    cells: int
    layer_id: int | None = Field(None, description="the new layer's id once committed")
    same_name_layers: list[int] = Field(
        [], description="layers of this department with this name already loaded; an "
                        "import never replaces them, it adds a new layer")


class ReportCore(BaseModel):
    """What every import's report says at its top level, whatever the kind: regions and
    layers (ImportReport), and buildings, households, persons, special populations, staff
    (gis/people/ingest/report.py adds its own keys to these)."""

    source: str = Field(description="the file name as given")
    kind: str = Field(description="what was imported: regions, layer, buildings, persons…")
    crs: str | None = Field(None, description="the CRS the coordinates were declared in")
    crs_note: str | None = None
    crs_declared: bool = Field(False, description="the CRS was given explicitly (--crs)")
    datum: DatumCheck | None = Field(None, description=(
        "inside China, in degrees: how the data fits the national county lines as declared, "
        "as GCJ-02 and as BD-09; a suspect verdict refuses a commit without --crs"))
    columns: dict[str, str | None] = Field(
        {}, description="which source column was used for each field")
    features_read: int = Field(0, description="features (or rows) read from the file")
    valid: int = Field(0, description="features that will be imported (repaired included)")
    repaired: list[Repair] = []
    rejected: list[Rejection] = Field([], description=(
        "what will not be imported, and why: a commit is refused unless skip_invalid"))
    committed: bool = False
    skip_invalid: bool = False


class ImportReport(ReportCore):
    """The answer of a region or layer import, dry run or commit."""

    kind: Literal["regions", "layer"]
    layer: str | None = Field(None, description="the layer read inside the file")
    crs: str = Field(description="the CRS the coordinates were declared in")
    coverage: CoverageCheck | None = Field(None, description=(
        "gaps, overlaps and children outside their parent among the valid features"))
    regions: RegionChanges | None = None
    layer_change: LayerChange | None = None

    def summary(self, *, outcome: bool = True) -> str:
        """One paragraph a planner reads in a terminal (outcome: say committed or dry run)."""
        lines = [f"{self.source}: {self.features_read} features read, {self.valid} valid "
                 f"({len(self.repaired)} repaired), {len(self.rejected)} rejected; "
                 f"CRS {self.crs}" + (f" ({self.crs_note})" if self.crs_note else "")]
        if self.datum is not None and (self.datum.suspect or self.datum.best is None):
            lines.append(f"  datum: {self.datum.message}")
        lines += [f"  repaired #{r.index}: {r.reason}; {r.how}" for r in self.repaired]
        lines += [f"  rejected #{r.index} [{r.field}]: {r.reason}" for r in self.rejected]
        if self.regions is not None:
            lines.append(f"  regions: {self.regions.inserted} to insert, "
                         f"{self.regions.updated} to update, {self.regions.unchanged} unchanged")
        if self.layer_change is not None:
            # a dry run names no id: the commit takes the next one, whatever it is then
            made = (f"layer {self.layer_change.layer_id} created" if self.committed
                    and self.layer_change.layer_id is not None else "a new layer")
            lines.append(f"  {made} {self.layer_change.department}/{self.layer_change.name}: "
                         f"{self.layer_change.cells} cells")
        if self.coverage is not None:
            lines += self.coverage.lines()
        if outcome:
            lines.append("  committed." if self.committed
                         else "  dry run: nothing was written (use --commit to apply).")
        return "\n".join(lines)
