"""Household imports place each row as it is written: the same cells as a bulk assignment."""
from __future__ import annotations

from sqlalchemy import text

from gis.people.assignment import assign_households
from gis.people.ingest.service import import_people
from tests.people_fixtures import EAST_CODE, MIDDLE_CODE, TEST_SECRET, WEST_CODE

LAT = 29.805
ROWS = [
    ["household_id", "address", "lon", "lat"],
    ["E1", "边界路1号", 106.01, LAT],     # on the west/middle edge: the lower code wins
    ["E2", "边界路2号", 106.02, LAT],     # on the middle/east edge
    ["E3", "边界路3号", 106.025, LAT],    # inside east
    ["E4", "边界路4号", 106.5, LAT],      # outside every cell
]


def _cells(db) -> dict[str, str | None]:
    return dict(db.execute(text(
        "SELECT h.external_id, c.code FROM households h LEFT JOIN household_cells hc "
        "ON hc.household_id = h.id LEFT JOIN grid_cells c ON c.id = hc.cell_id "
        "ORDER BY h.external_id")).all())


def test_imported_households_on_edges_take_the_lowest_code(db, three_cells):
    data = "\n".join(",".join(str(v) for v in row) for row in ROWS).encode()
    report = import_people(db, kind="households", data=data, filename="edges.csv",
                           secret_key=TEST_SECRET, commit=True)
    assert report.committed and (report.stored, report.assigned_to_cell) == (4, 3)
    assert [(p.where, p.field) for p in report.unlocated] == [("row 5", "lon/lat")]
    imported = _cells(db)
    assert imported == {"E1": WEST_CODE, "E2": MIDDLE_CODE, "E3": EAST_CODE, "E4": None}
    assert "outside every cell" in db.execute(text(
        "SELECT unlocated_reason FROM households WHERE external_id = 'E4'")).scalar_one()
    # A bulk re-assignment agrees with what the import wrote: nothing to change.
    assert assign_households(db, refresh=False).changed == 0
    assert db.execute(text("SELECT households FROM cell_rollups c JOIN grid_cells g "
                           "ON g.id = c.cell_id WHERE g.code = :code"),
                      {"code": WEST_CODE}).scalar_one() == 1
