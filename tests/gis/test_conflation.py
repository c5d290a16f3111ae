"""Conflation of a departmental layer with the unified grid (the two_cells village: west and
east unit cells side by side, 0..2 x 0..1 degrees)."""
from __future__ import annotations

import csv
import io

import pytest
from shapely.geometry import box

from gis.errors import NotFound
from gis.ingest.layers import LegacyRow, store
from gis.layers.conflation import conflate, conflation_csv, conflation_geojson
from gis.layers.schemas import Thresholds
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region

WEST_CODE, EAST_CODE = VILLAGE + "001", VILLAGE + "002"


def add_layer(db, geoms: dict[str, object], *, department: str = "综治") -> int:
    rows = [LegacyRow(index=i, source_code=code, name=f"{department}{code}", attributes={},
                      geom=geom) for i, (code, geom) in enumerate(geoms.items())]
    return store(db, department=department, name="旧网格", source_file="old.geojson",
                 crs_label="EPSG:4326 WGS 84", rows=rows)


@pytest.fixture()
def legacy(db, two_cells):
    layer_id = add_layer(db, {
        "same": box(0, 0, 1, 1),               # exactly the west cell
        "split": box(0.5, 0, 1.5, 0.5),        # half west, half east
        "wobble": box(0, 0, 1.000001, 1),      # the west cell, 0.1 m over the edge
        "outside": box(5, 5, 6, 6),            # nowhere near the grid
    })
    return {"layer": layer_id, "generation": two_cells["generation"]}


def by_code(result):
    return {m.source_code: m for m in result.matches}


def test_a_legacy_cell_equal_to_a_unified_cell_maps_whole(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    same = by_code(result)["same"]
    assert same.cells == [WEST_CODE] and not same.split
    assert same.best_share == pytest.approx(1.0)


def test_a_legacy_cell_across_two_unified_cells_is_split_in_halves(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    split = by_code(result)["split"]
    assert split.split and sorted(split.cells) == [WEST_CODE, EAST_CODE]
    assert split.best_share == pytest.approx(0.5, abs=0.001)
    shares = [s.share for s in result.shares if s.legacy_id == split.id]
    # geodesic edges bow slightly differently once cut at the shared meridian: 2e-5
    assert sum(shares) == pytest.approx(1.0, abs=1e-4)
    assert result.split_cells == 1


def test_a_sliver_over_the_edge_is_noise_unless_thresholds_say_otherwise(db, legacy):
    default = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    assert by_code(default)["wobble"].cells == [WEST_CODE]
    strict = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"],
                      thresholds=Thresholds(min_share=0, min_area_m2=0))
    assert by_code(strict)["wobble"].cells == [WEST_CODE, EAST_CODE]


def test_a_legacy_cell_outside_the_grid_is_unmatched_and_scores_zero(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    outside = by_code(result)["outside"]
    assert outside.cells == [] and outside.best_share == 0 and outside.best_cell is None
    assert result.unmatched_cells == 1


def test_agreement_is_the_area_weighted_best_share(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    # areas ≈ 1, 0.5, 1, 1 (degree squares near the equator); best shares 1, 0.5, 1, 0
    assert result.agreement == pytest.approx(2.25 / 3.5, abs=0.01)


def test_perfect_layer_agrees_fully(db, two_cells):
    layer_id = add_layer(db, {"w": box(0, 0, 1, 1), "e": box(1, 0, 2, 1)}, department="党建")
    result = conflate(db, layer_id=layer_id, generation_id=two_cells["generation"])
    assert result.agreement == pytest.approx(1.0)
    assert result.uncovered == [] and result.split_cells == 0


def test_uncovered_area_is_the_village_minus_the_layer(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    # the east cell minus the split cell's east half: 0.75 of a degree square
    assert [u.village_code for u in result.uncovered] == [VILLAGE]
    degree_square_m2 = 1.2308e10
    assert result.uncovered_m2 == pytest.approx(0.75 * degree_square_m2, rel=0.01)


def test_csv_has_one_row_per_pair_and_one_for_unmatched(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"])
    rows = list(csv.DictReader(io.StringIO(conflation_csv(result))))
    assert [(r["legacy_code"], r["cell_code"]) for r in rows] == [
        ("same", WEST_CODE), ("split", WEST_CODE), ("split", EAST_CODE),
        ("wobble", WEST_CODE), ("outside", "")]
    assert float(rows[1]["share"]) == pytest.approx(0.5, abs=0.001)


def test_geojson_carries_legacy_cells_and_uncovered_areas(db, legacy):
    result = conflate(db, layer_id=legacy["layer"], generation_id=legacy["generation"],
                      with_geometry=True)
    collection = conflation_geojson(result)
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds.count("legacy_cell") == 4 and kinds.count("uncovered") == 1
    assert all(f["geometry"]["type"] in ("MultiPolygon", "Polygon")
               for f in collection["features"])


def test_unknown_layer_is_not_found(db, two_cells):
    with pytest.raises(NotFound, match="layer 999999 does not exist"):
        conflate(db, layer_id=999999, generation_id=two_cells["generation"])


def test_a_district_wide_legacy_cell_over_many_small_cells_is_covered_not_unmatched(db):
    """Finding 5: one legacy cell (a whole district) over 198 unified cells that each hold
    ~0.5% of it, 99% covered in all. A share of the legacy cell alone called every overlap
    noise: agreement 0.0 and "overlaps no cell". Each overlap is a whole unified cell, so
    it is no sliver, and the summary must say what the detail (min_share=0) says."""
    village = box(0, 0, 1, 1)
    add_region(db, code=DISTRICT, level="district", parent=None, geom=village)
    add_region(db, code=TOWN, level="town", parent=DISTRICT, geom=village)
    add_region(db, code=VILLAGE, level="village", parent=TOWN, geom=village)
    generation = add_generation(db)
    boxes = [box(x / 20, y / 10, (x + 1) / 20, (y + 1) / 10)
             for x in range(20) for y in range(10)][2:]   # two cells left out: 99%
    for number, cell in enumerate(boxes, start=1):
        add_cell(db, code=f"{VILLAGE}{number:03d}", geom=cell, generation=generation)
    db.flush()
    layer_id = add_layer(db, {"district": village})
    default = conflate(db, layer_id=layer_id, generation_id=generation)
    detail = conflate(db, layer_id=layer_id, generation_id=generation,
                      thresholds=Thresholds(min_share=0, min_area_m2=0))
    district = by_code(default)["district"]
    assert default.unmatched_cells == 0 and district.cells, "it overlaps 198 cells"
    assert len(district.cells) == len(by_code(detail)["district"].cells) == 198
    assert district.covered_share == pytest.approx(0.99, abs=0.002)
    assert default.agreement > 0
    assert default.agreement == pytest.approx(detail.agreement)
