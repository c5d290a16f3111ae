"""Imported households written once: staged with COPY, then inserted with their cell."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.people import rollups
from gis.people.ingest.area import outside_area, restricted
from gis.people.ingest.store import copy_rows
from gis.sql import query

COLUMNS = ("id", "external_id", "building_id", "address", "geom", "members", "located_by",
           "unlocated_reason")

# ON COMMIT DROP is only a safety net: the table is dropped as soon as the rows are in,
# and a dry run's savepoint rollback takes it away with everything else.
STAGE = text("""
CREATE TEMPORARY TABLE staged_households (
    id bigint NOT NULL, external_id text, building_id bigint, address text,
    geom geometry(Point, 4326), members smallint, located_by text, unlocated_reason text
) ON COMMIT DROP""")
# The cells' pieces probe this index (EPSG:4326 like them); ANALYZE gives the planner the
# real row count, without which it guesses a tiny table and loops over the pieces instead.
INDEX = [text("CREATE INDEX ON staged_households USING gist (geom)"),
         text("ANALYZE staged_households")]


@dataclass(frozen=True)
class Inserted:
    """What the single-pass insert did: rows stored, assigned, and the points outside."""

    stored: int
    assigned: int
    outside: dict[int, str]
    touched_cell_ids: list[int]
    refused: dict[int, str] = field(default_factory=dict)  # id -> why: outside the area
    taken: list[int] = field(default_factory=list)  # not written: household id was stored


def insert_households(session: Session, *, rows: Iterable[tuple],
                      generation_id: int | None, principal=None) -> Inserted:
    """Write rows (COLUMNS order) into households once, each with its covering cell.

    Each row used to be COPYed and then UPDATEd by the bulk assignment: a second write of
    every row and of all its index entries. Staging in a temporary table and inserting
    with the cell already joined halves the writes (bench/import_xlsx.py)."""
    session.execute(STAGE)
    staged = copy_rows(session, table="staged_households", columns=COLUMNS, rows=rows)
    for statement in INDEX:
        session.execute(statement)
    # Point-in-polygon estimates cross jit_above_cost; compiling costs more than the join.
    session.execute(text("SET LOCAL jit = off"))
    refused = _refuse_outside_area(session, generation_id=generation_id, principal=principal)
    # Placements first: under row-level security a household may be written only once it
    # is placed in the caller's area (migrations/sql/0023_own_placements_upgrade.sql).
    session.execute(query("people_staged_own_cells"), {"generation_id": generation_id})
    session.execute(text("INSERT INTO household_own_cells (household_id, cell_id) "
                         "SELECT household_id, cell_id FROM staged_own_cells "
                         "ORDER BY household_id"))
    row = session.execute(query("people_insert_households"),
                          {"generation_id": generation_id}).mappings().one()
    taken = []
    if row["stored"] < staged - len(refused):  # rare: only then look for the skipped rows
        taken = list(session.execute(text(
            "SELECT s.id FROM staged_households AS s WHERE NOT EXISTS "
            "(SELECT 1 FROM households AS h WHERE h.id = s.id) ORDER BY s.id")).scalars())
    session.execute(text("DROP TABLE staged_households, staged_own_cells"))
    touched = list(row["touched_cell_ids"])
    rollups.refresh_cells(session, cell_ids=touched)
    return Inserted(stored=row["stored"], assigned=row["assigned"],
                    outside=dict(zip(row["outside_ids"], row["outside_reasons"], strict=True)),
                    touched_cell_ids=touched, refused=refused, taken=taken)


def _refuse_outside_area(session: Session, *, generation_id: int | None,
                         principal) -> dict[int, str]:
    """Take the staged rows whose cell is outside the caller's area out of the insert
    (row-level security would refuse the whole statement for one of them); id -> why."""
    if not restricted(principal):
        return {}
    cells = dict(session.execute(query("people_staged_household_cells"),
                                 {"generation_id": generation_id}).all())
    refused = outside_area(principal, cells)
    if refused:
        session.execute(text("DELETE FROM staged_households WHERE id = ANY(:ids)"),
                        {"ids": sorted(refused)})
    return refused
