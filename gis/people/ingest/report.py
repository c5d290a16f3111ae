"""The import report: what was read, matched, located, left unlocated, skipped, refused."""
from __future__ import annotations

from dataclasses import dataclass, field

from gis.people.ingest.validate import Problem

LISTED = 200  # problems listed per section; the counts are always complete


@dataclass
class ImportReport:
    kind: str
    source: str
    columns: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    rows_read: int = 0
    stored: int = 0
    matched_by_building_code: int = 0
    matched_by_address: int = 0
    located_by_coordinates: int = 0
    assigned_to_cell: int = 0
    unlocated: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    committed: bool = False
    note: str = ""

    @property
    def invalid_rows(self) -> int:
        return len({p.where for p in self.invalid})

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "source": self.source, "columns": self.columns, "crs": self.crs,
            "rows_read": self.rows_read, "stored": self.stored,
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
            # Not committed, nothing was stored: the rows written were rolled back.
            (f"  stored:                    {self.stored}" if self.committed
             else f"  would be stored:           {self.stored}"),
            f"  matched by building code:  {self.matched_by_building_code}",
            f"  matched by address:        {self.matched_by_address}",
            f"  located by coordinates:    {self.located_by_coordinates}",
            f"  assigned to a cell:        {self.assigned_to_cell}",
            f"  unlocated:                 {len(self.unlocated)}",
            f"  duplicates (skipped):      {len(self.duplicates)}",
            f"  invalid rows:              {self.invalid_rows}",
        ]
        for title, problems in (("unlocated", self.unlocated), ("duplicate", self.duplicates),
                                ("invalid", self.invalid)):
            lines += [f"  {title}: {p.where}, {p.field}: {p.reason}" for p in problems[:20]]
            if len(problems) > 20:
                lines.append(f"  … and {len(problems) - 20} more {title}")
        lines.append("  COMMITTED" if self.committed else f"  NOT committed: {self.note}")
        return "\n".join(lines)
