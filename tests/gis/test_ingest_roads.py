"""`onegrid import roads` against the real database, and a proposal that follows the roads.

The CLI tests commit for real (the CLI owns its transaction), so they look through a
fresh connection and delete what a successful commit wrote."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import text
from typer.testing import CliRunner

from gis.cli.main import app
from gis.grid.propose_service import propose_for_region
from gis.grid.validation import validate_generation
from gis.ingest.roads import import_roads
from gis.settings import GridSettings
from tests.factories import TOWN
from tests.gis.ingest_samples import write_sample
from tests.gis.test_ingest_cli import committed
from tests.gis.test_propose import uniform
from tests.grid_fixtures import CHINA_SOUTH, CHINA_VILLAGE, CHINA_WEST, add_households

runner = CliRunner()
# A road crossing the test village north to south, a third of the way across.
CROSSING = LineString([(CHINA_WEST + 0.007, CHINA_SOUTH - 0.001),
                       (CHINA_WEST + 0.007, CHINA_SOUTH + 0.011)])
RING_ROAD = LineString([(106.0, 29.8), (106.1, 29.8), (106.1, 29.9)])


@pytest.fixture()
def cli_env(monkeypatch, migrated_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("ONEGRID_SECURITY__SECRET_KEY", "test-secret")
    monkeypatch.setenv("ONEGRID_DATABASE__DATA_DIR", str(tmp_path / "pg"))


def roads_frame(geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"路{i}" for i in range(len(geoms))],
                             "fclass": ["residential"] * len(geoms)},
                            geometry=list(geoms), crs=4326)


def test_dry_run_lists_what_is_not_a_line_and_writes_nothing(cli_env, engine, tmp_path):
    path = write_sample(tmp_path, roads_frame([CROSSING, RING_ROAD, Point(106.05, 29.85)]),
                        "geojson", stem="roads")
    result = runner.invoke(app, ["import", "roads", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 features read, 2 road lines valid, 1 rejected" in result.output
    assert "rejected #2 [geometry]: a Point, not a line" in result.output
    assert "dry run: nothing was written" in result.output
    result = runner.invoke(app, ["import", "roads", str(path), "--commit"])
    assert result.exit_code == 1 and "nothing was written" in result.output
    assert committed(engine, "SELECT count(*) FROM road_lines") == 0


def test_commit_stores_lines_and_a_reimport_replaces_them(cli_env, engine, tmp_path):
    path = write_sample(tmp_path, roads_frame([CROSSING, RING_ROAD]), "gpkg", stem="roads")
    try:
        for replaced in (0, 2):
            result = runner.invoke(app, ["import", "roads", str(path), "--commit"])
            assert result.exit_code == 0, result.output
            assert "committed." in result.output
            assert "road network for dispatch: 4 junctions, 2 road segments" in result.output
            assert ("replaces 2 lines" in result.output) == bool(replaced)
        assert committed(engine, "SELECT count(*) FROM road_lines WHERE source = 'roads.gpkg' "
                                 "AND kind = 'residential' AND name LIKE '路%' AND "
                                 "GeometryType(geom) = 'MULTILINESTRING'") == 2
    finally:
        with engine.begin() as conn:  # the lines and the network the commit built of them
            conn.execute(text("DELETE FROM road_edges; DELETE FROM road_vertices; "
                              "DELETE FROM road_lines"))


def test_proposal_follows_an_imported_road(db, china_grid, tmp_path):
    path = write_sample(tmp_path, roads_frame([CROSSING]), "geojson", stem="roads")
    import_roads(db, path=path, commit=True)
    points = uniform(CHINA_VILLAGE, 600)
    add_households(db, [tuple(p) for p in points])
    result = propose_for_region(db, region_code=TOWN, band=(200, 400))
    assert result["cells"] == 2 and result["share_in_band"] == 1.0
    assert result["cells_following_roads"] == 2 and result["cells_with_straight_cuts"] == 0
    west = db.execute(text(
        "SELECT ST_XMax(geom) FROM grid_cells WHERE code = :code AND generation_low <= :g "
        "AND (generation_high IS NULL OR generation_high >= :g)"),
        {"code": result["villages"][0]["cells_detail"][0]["code"],
         "g": result["generation"]}).scalar()
    assert west == pytest.approx(CHINA_WEST + 0.007, abs=1e-9)
    report = validate_generation(db, generation_id=result["generation"],
                                 grid=GridSettings(households_min=200, households_max=400))
    assert report.findings == []


def test_without_roads_the_proposal_reports_straight_cuts(db, china_grid):
    add_households(db, [tuple(p) for p in uniform(CHINA_VILLAGE, 600)])
    result = propose_for_region(db, region_code=TOWN, band=(200, 400))
    assert result["cells_following_roads"] == 0
    assert result["cells_with_straight_cuts"] == result["cells"] == 2
    assert np.isclose(sum(v["households"] for v in result["villages"]), 600)


def test_upload_of_roads_is_a_dry_run_unless_commit(client, db, tmp_path):
    from tests.api.test_imports import upload

    path = write_sample(tmp_path, roads_frame([CROSSING, RING_ROAD]), "geojson", stem="roads")
    dry = upload(client, "/imports/roads", path)
    assert dry.status_code == 200, dry.text
    assert dry.json()["valid"] == 2 and not dry.json()["committed"]
    assert db.execute(text("SELECT count(*) FROM road_lines")).scalar() == 0
    done = upload(client, "/imports/roads", path, commit=True)
    assert done.json()["committed"]
    assert db.execute(text("SELECT count(*) FROM road_lines")).scalar() == 2
