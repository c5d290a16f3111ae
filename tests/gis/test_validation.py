"""Validation findings: each problem found once, located, with a sentence; clean grids pass."""
from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Polygon, box, shape
from sqlalchemy import text

from gis.grid import edits
from gis.grid.validation import validate_generation
from gis.settings import GridSettings
from tests.factories import TOWN, VILLAGE, add_cell, add_region
from tests.grid_fixtures import add_households

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
NEIGHBOUR = "500151001002"
GRID = GridSettings(households_min=0, households_max=10)


def findings(db, generation: int, kind: str | None = None, grid: GridSettings = GRID):
    report = validate_generation(db, generation_id=generation, grid=grid)
    return [f for f in report.findings if kind is None or f.kind == kind]


def test_a_grid_that_tiles_its_village_has_no_findings(db, two_cells):
    assert findings(db, two_cells["generation"]) == []


def test_overlap_is_reported_once_with_its_area_and_place(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.2, 1))
    [overlap] = findings(db, draft["draft"], "overlap")
    assert overlap.severity == "blocking" and overlap.codes == [WEST, EAST]
    assert shape(overlap.location).equals(box(1, 0, 1.2, 1))
    assert "overlap by" in overlap.message
    assert findings(db, draft["generation"], "overlap") == []  # the active one is untouched


def test_overlap_below_the_tolerance_is_noise(db, draft):
    spike = Polygon([(1, 0.5), (1 + 1e-6, 0.5 + 5e-7), (1, 0.5 + 1e-6)])  # ~0.006 m²
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST,
                      geom=shapely.union(box(0, 0, 1, 1), spike))
    assert findings(db, draft["draft"], "overlap") == []


def test_gap_inside_a_village(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 0.9, 1))
    [gap] = findings(db, draft["draft"], "gap")
    assert gap.village_code == VILLAGE and gap.severity == "blocking"
    assert shape(gap.location).equals(box(0.9, 0, 1, 1))


def test_cell_straddling_two_villages_names_both(db, draft):
    add_region(db, code=NEIGHBOUR, level="village", parent=TOWN, geom=box(2, 0, 3, 1))
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST, geom=box(1, 0, 2.5, 1))
    [outside] = findings(db, draft["draft"], "outside_village")
    assert outside.codes == [EAST]
    assert f"outside its village {VILLAGE}, in village {NEIGHBOUR}" in outside.message


def test_thin_cell_is_a_sliver_warning(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST, geom=box(1, 0, 1.99, 1))
    edits.add_cell(db, generation_id=draft["draft"], code=VILLAGE + "003",
                   geom=box(1.99, 0, 2, 1))
    [sliver] = findings(db, draft["draft"], "sliver")
    assert sliver.codes == [VILLAGE + "003"] and sliver.severity == "warning"


@pytest.mark.parametrize(("code", "village", "says"), [
    (TOWN + "", None, "not a village"),
    (VILLAGE + "000", None, "serial 000"),
])
def test_code_errors(db, two_cells, code, village, says):
    cell_code = code if len(code) == 15 else code + "001"
    add_cell(db, code=cell_code, village=cell_code[:12], geom=box(5, 5, 6, 6),
             generation=two_cells["generation"])
    [bad] = findings(db, two_cells["generation"], "code")
    assert bad.codes == [cell_code] and says in bad.message


def test_household_band_counts_households_in_each_cell(db, two_cells):
    add_households(db, [(0.2, 0.5), (0.4, 0.5)], cell_id=two_cells["west"])
    band = GridSettings(households_min=1, households_max=1)
    found = {f.codes[0]: f.message for f in findings(db, two_cells["generation"],
                                                       "households", grid=band)}
    assert found[WEST].startswith(f"Cell {WEST} has 2 households")
    assert found[EAST].startswith(f"Cell {EAST} has 0 households")


def test_draft_counts_households_where_they_fall_in_redrawn_cells(db, draft):
    add_households(db, [(1.2, 0.5)], cell_id=draft["east"])
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.5, 1))
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST, geom=box(1.5, 0, 2, 1))
    band = GridSettings(households_min=1, households_max=5)
    assert [f.codes for f in findings(db, draft["draft"], "households", grid=band)] == [[EAST]]


def test_dedicated_cells_are_not_sized_by_households(db, two_cells):
    db.execute(text("UPDATE grid_cells SET kind = 'dedicated', dedicated_type = 'school' "
                    "WHERE id = :id"), {"id": two_cells["west"]})
    band = GridSettings(households_min=1, households_max=5)
    assert [f.codes for f in findings(db, two_cells["generation"], "households", grid=band)
            ] == [[EAST]]


def test_a_village_edge_off_the_precision_grid_is_not_a_finding(db, draft):
    """Third-party villages are not on the 1e-7 degree grid the cells are stored on: a cell
    drawn along a long diagonal village edge differs from it by rounding wedges (a few m²
    over a kilometre, millimetres wide). They are neither a gap nor outside the village, and
    such thin pieces must not crash the checks (GEOS relate threw on them)."""
    village = Polygon([(3.00000004, 0.00000004), (3.01234567891, 0.00987654321),
                       (3.02000003, 0.00000002)])
    add_region(db, code=NEIGHBOUR, level="village", parent=TOWN, geom=village)
    other = "500151001003"  # a village beside it, sharing the diagonal
    add_region(db, code=other, level="village", parent=TOWN, geom=Polygon(
        [(3.00000004, 0.00000004), (3.00000001, 0.01000003), (3.01234567891, 0.00987654321)]))
    edits.add_cell(db, generation_id=draft["draft"], code=NEIGHBOUR + "001", geom=village)
    assert shapely.hausdorff_distance(
        shape(db.execute(text("SELECT ST_AsGeoJSON(geom)::json FROM grid_cells "
                              "WHERE code = :c"), {"c": NEIGHBOUR + "001"}).scalar()),
        village) > 1e-8  # the cell was rounded onto the grid: it is not the village
    found = findings(db, draft["draft"], grid=GridSettings())
    assert [f for f in found if f.kind in ("gap", "outside_village")
            and (NEIGHBOUR in (f.village_code or "") or NEIGHBOUR + "001" in f.codes)] == []


def test_a_real_strip_outside_the_village_is_still_found(db, draft):
    """What the precision grid forgives is rounding, not a cell a metre over the line."""
    add_region(db, code=NEIGHBOUR, level="village", parent=TOWN, geom=box(2, 0, 3, 1))
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST,
                      geom=box(1, 0, 2.00001, 1))  # ~1.1 m into the neighbour, 111 km long
    [outside] = findings(db, draft["draft"], "outside_village")
    assert outside.codes == [EAST] and shape(outside.location).area > 0.5e-5


def test_a_cell_corner_one_grid_step_off_an_off_grid_village_corner_is_not_a_finding(
        db, draft):
    """A cell that meets the village corner one grid step (~1 cm) away from where the
    village's own corner rounds to leaves a wedge 1.5 km long and under a centimetre wide:
    square metres of area, but rounding all the same."""
    corner = (3.01234567891, 0.00987654321)  # rounds to (3.0123457, 0.0098765)
    village = Polygon([(3.00000004, 0.00000004), corner, (3.02000003, 0.00000002)])
    add_region(db, code=NEIGHBOUR, level="village", parent=TOWN, geom=village)
    cell = Polygon([(3.0, 0.0), (3.0123456, 0.0098766), (3.02, 0.0)])
    add_cell(db, code=NEIGHBOUR + "001", village=NEIGHBOUR, geom=cell,
             generation=draft["draft"])
    assert shapely.area(shapely.symmetric_difference(cell, village)) * 111_195 ** 2 > 1
    found = findings(db, draft["draft"], grid=GridSettings())
    assert [f for f in found if f.kind in ("gap", "outside_village")
            and (NEIGHBOUR in (f.village_code or "") or NEIGHBOUR + "001" in f.codes)] == []
