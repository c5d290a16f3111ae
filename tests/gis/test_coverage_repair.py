"""Validation finds hairlines however small, activation refuses them, `grid repair` nodes them."""
from __future__ import annotations

import pytest
from shapely.geometry import Polygon, box

from gis.errors import ActivationRefused, GenerationLocked
from gis.grid import lifecycle
from gis.grid.noding import repair_generation
from gis.grid.validation import validate_generation
from gis.settings import GridSettings
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

WEST, NORTH_EAST, SOUTH_EAST = VILLAGE + "001", VILLAGE + "002", VILLAGE + "003"
GRID = GridSettings(households_min=0)


def draft_with(db, west: Polygon) -> int:
    """A 2 x 1 degree village: `west`, and the east half cut in two at y = 0.5, so the
    point (1, 0.5) is a vertex of both east cells; a draft generation."""
    village = box(0, 0, 2, 1)
    for code, level, parent in ((DISTRICT, "district", None), (TOWN, "town", DISTRICT),
                                (VILLAGE, "village", TOWN)):
        add_region(db, code=code, level=level, parent=parent, geom=village)
    draft = add_generation(db, status="draft")
    add_cell(db, code=WEST, geom=west, generation=draft)
    add_cell(db, code=NORTH_EAST, geom=box(1, 0.5, 2, 1), generation=draft)
    add_cell(db, code=SOUTH_EAST, geom=box(1, 0, 2, 0.5), generation=draft)
    db.flush()
    return draft


def coverage_findings(db, draft):
    report = validate_generation(db, generation_id=draft, grid=GRID)
    return [f for f in report.findings if f.kind == "coverage_edge"]


def test_a_vertex_missing_on_one_side_is_reported_with_its_location(db):
    # The west cell has no vertex at (1, 0.5): the borders look the same and the gap and
    # overlap checks (areas) find nothing, yet the edges are not shared vertex for vertex.
    draft = draft_with(db, box(0, 0, 1, 1))
    findings = coverage_findings(db, draft)
    assert {code for f in findings for code in f.codes} == {WEST, NORTH_EAST, SOUTH_EAST}
    west = next(f for f in findings if f.codes == [WEST])
    assert west.severity == "blocking" and "repair" in west.message
    assert west.location["type"] in ("LineString", "MultiLineString")
    assert all(x == 1.0 for x, _ in west.location["coordinates"])


def test_edges_that_nearly_match_are_reported_however_small(db):
    # A hairline of 1e-9 degree (0.1 mm) between west and east.
    draft = draft_with(db, Polygon([(0, 0), (1 - 1e-9, 0), (1 - 1e-9, 0.5), (1, 1), (0, 1)]))
    assert WEST in {code for f in coverage_findings(db, draft) for code in f.codes}


def test_activation_refuses_until_repaired_and_repair_says_what_moved(db):
    draft = draft_with(db, box(0, 0, 1, 1))
    with pytest.raises(ActivationRefused) as refused:
        lifecycle.activate(db, generation_id=draft, grid=GRID)
    assert WEST in refused.value.details["codes"]
    result = repair_generation(db, generation_id=draft)
    assert result["cells_with_invalid_edges_before"] == 3
    assert (result["cells_changed"], result["vertices_added"]) == (1, 1)
    assert result["max_displacement_m"] == 0.0  # (1, 0.5) was on the west edge already
    assert result["cells_with_invalid_edges_after"] == 0
    assert coverage_findings(db, draft) == []
    assert lifecycle.activate(db, generation_id=draft, grid=GRID)["generation"] == draft


def test_repair_snaps_a_near_miss_and_measures_the_move(db):
    draft = draft_with(db, Polygon([(0, 0), (1 - 1e-9, 0), (1 - 1e-9, 1), (0, 1)]))
    report = validate_generation(db, generation_id=draft, grid=GRID)
    off_grid = [f for f in report.findings if f.kind == "off_grid"]
    assert [(f.severity, f.codes) for f in off_grid] == [("warning", [WEST])]
    result = repair_generation(db, generation_id=draft)
    assert result["cells_with_invalid_edges_after"] == 0
    assert 0 < result["max_displacement_m"] < 0.01  # 1e-9 degree is about 0.1 mm
    assert coverage_findings(db, draft) == []
    report = validate_generation(db, generation_id=draft, grid=GRID)
    assert [f for f in report.findings if f.kind == "off_grid"] == []


def test_repair_changes_only_drafts(db):
    draft = draft_with(db, box(0, 0, 1, 1))
    db.execute(lifecycle.text("UPDATE grid_generations SET status = 'active' WHERE id = :g"),
               {"g": draft})
    with pytest.raises(GenerationLocked):
        repair_generation(db, generation_id=draft)
