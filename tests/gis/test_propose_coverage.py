"""`grid propose` writes a noded coverage, across village borders too; dry runs name no id."""
from __future__ import annotations

import shapely
from shapely.geometry import Polygon
from typer.testing import CliRunner

from gis.cli.main import app
from gis.grid.coverage import invalid_edges, off_grid_vertices
from gis.grid.noding import cells_of
from gis.grid.propose_service import propose_for_region
from gis.people.ingest.report import ImportReport
from tests.factories import DISTRICT, TOWN, VILLAGE, add_region
from tests.gis.test_propose import uniform
from tests.grid_fixtures import add_households

EAST_VILLAGE = TOWN[:9] + "002"
# Two villages near Tongliang meeting along a slanted border (not on any cut line).
WEST_SHAPE = Polygon([(106.04, 29.84), (106.051, 29.84), (106.049, 29.85), (106.04, 29.85)])
EAST_SHAPE = Polygon([(106.051, 29.84), (106.06, 29.84), (106.06, 29.85), (106.049, 29.85)])


def test_a_proposal_over_two_villages_is_one_noded_coverage_on_the_grid(db):
    town = shapely.union_all([WEST_SHAPE, EAST_SHAPE])
    add_region(db, code=DISTRICT, level="district", parent=None, geom=town)
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=town)
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=WEST_SHAPE)
    add_region(db, code=EAST_VILLAGE, level="village", parent=TOWN, geom=EAST_SHAPE)
    points = [*uniform(WEST_SHAPE, 1500, seed=3), *uniform(EAST_SHAPE, 1100, seed=4)]
    add_households(db, [tuple(p) for p in points])
    result = propose_for_region(db, region_code=TOWN, band=(200, 400))
    assert result["new_generation"] is True and result["cells"] >= 8
    cells = cells_of(db, generation_id=result["generation"])
    assert invalid_edges(list(cells.values())) == []
    assert sum(off_grid_vertices(c) for c in cells.values()) == 0
    again = propose_for_region(db, region_code=TOWN, band=(150, 300))
    assert again["new_generation"] is False and again["generation"] == result["generation"]
    assert invalid_edges(list(cells_of(db, generation_id=again["generation"]).values())) == []


def test_a_dry_run_of_create_draft_names_no_generation_id(monkeypatch, migrated_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret")
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))
    result = CliRunner().invoke(app, ["grid", "create-draft", "--name", "redraw 2027"])
    assert result.exit_code == 0, result.output
    assert "a new draft generation 'redraw 2027'" in result.output
    assert "generation 1" not in result.output and "dry run" in result.output


def test_an_import_not_committed_says_what_would_be_stored():
    report = ImportReport(kind="households", source="x.csv", rows_read=3, stored=3,
                          note="dry run")
    assert "would store:              3" in report.summary()
    assert "  stored:" not in report.summary()
