"""Validation report of a generation: one finding per problem, located, in plain sentences
(English in `message`, Chinese in `message_zh`: gis/grid/validation_zh.py)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import shapely
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from gis.grid import validation_zh as zh
from gis.grid.coverage import METRES_PER_DEGREE, PRECISION_DEG
from gis.grid.lifecycle import get_generation
from gis.settings import GridSettings
from gis.sql import query

BLOCKING = "blocking"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: what kind, how serious, which cells, where, and a sentence for planners
    in English (`message`, as before) and in Chinese (`message_zh`), with the same numbers."""

    kind: str
    severity: str
    codes: list[str]
    message: str
    location: dict | None
    village_code: str | None = None
    message_zh: str = field(kw_only=True)

    def to_feature(self) -> dict:
        properties = {k: v for k, v in asdict(self).items() if k != "location"}
        return {"type": "Feature", "geometry": self.location, "properties": properties}


@dataclass(frozen=True)
class Check:
    kind: str
    severity: str
    sql: str
    sentence: Callable[[dict, GridSettings], str]
    sentence_zh: Callable[[dict, GridSettings], str]


def _m2(value: float) -> str:
    return f"{value:,.0f} m²" if value >= 10 else f"{value:.1f} m²"


def _outside(row: dict, grid: GridSettings) -> str:
    where = (f"in village {', '.join(row['other_villages'])}" if row["other_villages"]
             else "in no village")
    return (f"Cell {row['codes'][0]} reaches {_m2(row['area_m2'])} outside its village "
            f"{row['village_code']}, {where}.")


_CODE_PROBLEMS = {
    "format": "is not 15 digits",
    "prefix": "does not start with its village code {village_code}",
    "not_village": "names {village_code}, which is a {level}, not a village",
    "serial": "has serial 000; serials run from 001",
}

CHECKS: tuple[Check, ...] = (
    Check("invalid_geometry", BLOCKING, "validate_invalid_geometry",
          lambda r, g: f"Cell {r['codes'][0]} has an invalid shape: {r['reason']}.",
          sentence_zh=zh.invalid_geometry),
    Check("multipart", BLOCKING, "validate_multipart",
          lambda r, g: f"Cell {r['codes'][0]} has {r['parts']} separate parts; "
                       "a cell must be one closed polygon.",
          sentence_zh=zh.multipart),
    Check("code", BLOCKING, "validate_codes",
          lambda r, g: f"Cell code {r['codes'][0]} "
                       + _CODE_PROBLEMS[r["problem"]].format(**r) + ".",
          sentence_zh=zh.code),
    Check("overlap", BLOCKING, "validate_overlaps",
          lambda r, g: f"Cells {r['codes'][0]} and {r['codes'][1]} overlap by "
                       f"{_m2(r['area_m2'])}.",
          sentence_zh=zh.overlap),
    Check("gap", BLOCKING, "validate_gaps",
          lambda r, g: f"{_m2(r['area_m2'])} of village {r['village_code']} "
                       "is in no cell.",
          sentence_zh=zh.gap),
    Check("outside_village", BLOCKING, "validate_outside_village", _outside,
          sentence_zh=zh.outside_village),
    Check("sliver", WARNING, "validate_slivers",
          lambda r, g: f"Cell {r['codes'][0]} looks like a sliver: {_m2(r['area_m2'])}, "
                       f"compactness {r['compactness']:.3f} "
                       f"(minimum {g.sliver_min_area_m2:g} m², {g.sliver_max_thinness:g}).",
          sentence_zh=zh.sliver),
    Check("households", WARNING, "validate_households",
          lambda r, g: f"Cell {r['codes'][0]} has {r['households']} households; "
                       f"the band is {g.households_min}-{g.households_max}.",
          sentence_zh=zh.households),
)


def coverage_findings(session: Session, *, generation_id: int) -> list[Finding]:
    """Hairlines the area checks cannot see: borders that neighbours do not share vertex for
    vertex (shapely's coverage_invalid_edges, exact: no tolerance), and vertices off the
    precision grid. Located by the faulty edges themselves (GeoJSON, full precision)."""
    from gis.grid.coverage import invalid_edges, off_grid_vertices
    from gis.grid.noding import cells_of

    cells = cells_of(session, generation_id=generation_id)
    codes, shapes = list(cells), list(cells.values())
    findings = []
    for i, edges in invalid_edges(shapes):
        pieces = len(shapely.get_parts(edges))
        findings.append(Finding(
            kind="coverage_edge", severity=BLOCKING, codes=[codes[i]],
            message=(f"Cell {codes[i]} has {pieces} border piece(s) that its neighbours do "
                     "not share vertex for vertex (a vertex missing on the other side, or "
                     "edges that nearly but not exactly match): points there can fall into "
                     f"no cell. `onegrid grid repair {generation_id}` nodes them."),
            message_zh=zh.coverage_edge(codes[i], pieces, generation_id),
            location=mapping(edges), village_code=codes[i][:12]))
    off_grid = [(code, n) for code, shape in cells.items() if (n := off_grid_vertices(shape))]
    if off_grid:
        vertices = sum(n for _, n in off_grid)
        findings.append(Finding(
            kind="off_grid", severity=WARNING, codes=[code for code, _ in off_grid],
            message=(f"{vertices} vertices of {len(off_grid)} cells are not on the 1e-7 "
                     f"degree precision grid; `onegrid grid repair {generation_id}` rounds "
                     "them."),
            message_zh=zh.off_grid(vertices, len(off_grid), generation_id), location=None))
    return findings


@dataclass(frozen=True)
class ValidationReport:
    generation: int
    status: str
    findings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

    def to_dict(self) -> dict:
        return {"generation": self.generation, "status": self.status,
                "blocking": len(self.blocking),
                "warnings": len(self.findings) - len(self.blocking),
                "findings": [asdict(f) for f in self.findings]}

    def to_geojson(self) -> dict:
        return {"type": "FeatureCollection", "generation": self.generation,
                "features": [f.to_feature() for f in self.findings]}


def validate_generation(session: Session, *, generation_id: int,
                        grid: GridSettings) -> ValidationReport:
    """Run every check on the cells valid in the generation; blocking findings first."""
    generation = get_generation(session, generation_id=generation_id)
    params = {"generation_id": generation.id, "tolerance_m2": grid.area_tolerance_m2,
              "grid_deg": PRECISION_DEG, "grid_m": PRECISION_DEG * METRES_PER_DEGREE,
              "sliver_min_area_m2": grid.sliver_min_area_m2,
              "sliver_max_thinness": grid.sliver_max_thinness,
              "households_min": grid.households_min, "households_max": grid.households_max}
    findings = []
    for check in CHECKS:
        for row in session.execute(query(check.sql), params).mappings():
            row = dict(row)
            row["codes"] = [code.strip() for code in row["codes"]]
            if row.get("village_code"):
                row["village_code"] = row["village_code"].strip()
            findings.append(Finding(kind=check.kind, severity=check.severity,
                                    codes=row["codes"], message=check.sentence(row, grid),
                                    location=row["location"],
                                    village_code=row.get("village_code"),
                                    message_zh=check.sentence_zh(row, grid)))
    findings += coverage_findings(session, generation_id=generation.id)
    findings.sort(key=lambda f: f.severity != BLOCKING)
    return ValidationReport(generation=generation.id, status=generation.status,
                            findings=findings)
