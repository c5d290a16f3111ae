"""The import report: what was read, matched, located, left unlocated, skipped, refused.

Its answer (as_dict) has every key a region or layer import's report has
(gis.ingest.schemas.ReportCore: source, kind, crs, features_read, valid, repaired,
rejected...), then the keys only people imports have (matches, unlocated, duplicates...)."""
from __future__ import annotations

from dataclasses import dataclass, field

from gis.crs.datum import DatumCheck
from gis.ingest.schemas import Rejection, Repair, ReportCore
from gis.people.ingest.validate import Problem

LISTED = 200  # problems listed per section; the counts are always complete


@dataclass
class ImportReport:
    kind: str
    source: str
    columns: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    crs_declared: bool = False  # the caller gave the CRS (a suspect datum does not refuse)
    datum: DatumCheck | None = None
    skip_invalid: bool = False
    rows_read: int = 0
    stored: int = 0  # rows written in the savepoint: kept only if committed
    matched_by_building_code: int = 0
    matched_by_address: int = 0
    located_by_coordinates: int = 0
    assigned_to_cell: int = 0
    unlocated: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    repaired: list[Repair] = field(default_factory=list)
    committed: bool = False
    note: str = ""

    @property
    def invalid_rows(self) -> int:
        return len({p.where for p in self.invalid})

    def as_dict(self) -> dict:
        core = ReportCore(source=self.source, kind=self.kind, crs=self.crs,
                          crs_declared=self.crs_declared, datum=self.datum,
                          columns=self.columns, features_read=self.rows_read,
                          valid=self.stored, repaired=self.repaired[:LISTED],
                          committed=self.committed, skip_invalid=self.skip_invalid)
        return core.model_dump() | {
            "rejected": [rejection(p) for p in self.invalid[:LISTED]],
            "rows_read": self.rows_read,
            # a dry run or a refused commit stores nothing: "would_store" says what a
            # commit would have written
            "stored": self.stored if self.committed else 0, "would_store": self.stored,
            "matched_by_building_code": self.matched_by_building_code,
            "matched_by_address": self.matched_by_address,
            "located_by_coordinates": self.located_by_coordinates,
            "assigned_to_cell": self.assigned_to_cell,
            "unlocated": len(self.unlocated), "duplicates": len(self.duplicates),
            "invalid_rows": self.invalid_rows, "committed": self.committed, "note": self.note,
            "unlocated_rows": [p.as_dict() for p in self.unlocated[:LISTED]],
            "duplicate_rows": [p.as_dict() for p in self.duplicates[:LISTED]],
            "invalid_problems": [p.as_dict() for p in self.invalid[:LISTED]],
        }

    def summary(self) -> str:
        lines = [
            f"{self.kind} from {self.source}" + (f" (CRS {self.crs})" if self.crs else ""),
            f"  rows read:                 {self.rows_read}",
            (f"  stored:                    {self.stored}" if self.committed else
             f"  would store:              {self.stored}"),
            f"  matched by building code:  {self.matched_by_building_code}",
            f"  matched by address:        {self.matched_by_address}",
            f"  located by coordinates:    {self.located_by_coordinates}",
            f"  assigned to a cell:        {self.assigned_to_cell}",
            f"  unlocated:                 {len(self.unlocated)}",
            f"  duplicates (skipped):      {len(self.duplicates)}",
            f"  invalid rows:              {self.invalid_rows}",
        ]
        if self.datum is not None and (self.datum.suspect or self.datum.best is None):
            lines.append(f"  datum: {self.datum.message}")
        lines += [f"  repaired feature {r.index}: {r.reason}; {r.how}"
                  for r in self.repaired[:20]]
        invalid_title = "invalid (skipped)" if self.committed else "invalid"
        for title, problems in (("unlocated", self.unlocated), ("duplicate", self.duplicates),
                                (invalid_title, self.invalid)):
            lines += [f"  {title}: {p.where}, {p.field}: {p.reason}" for p in problems[:20]]
            if len(problems) > 20:
                lines.append(f"  … and {len(problems) - 20} more {title}")
        lines.append("  COMMITTED" if self.committed else f"  NOT committed: {self.note}")
        return "\n".join(lines)


def rejection(problem: Problem) -> dict:
    """An invalid row as every import lists a rejection (index from 0, field, reason), and
    `where` as the file's reader says it ("row 7": spreadsheet row, the header is row 1;
    "feature 3": GeoJSON feature index). index is -1 if `where` names no row."""
    kind, _, number = problem.where.partition(" ")
    index = int(number) - (2 if kind == "row" else 0) if number.isdigit() else -1
    return Rejection(index=index, field=problem.field, reason=problem.reason).model_dump() \
        | {"where": problem.where}
