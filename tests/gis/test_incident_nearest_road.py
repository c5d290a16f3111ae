"""The nearest staff for a case by road (pgRouting over the imported road network) when
roads are loaded, else by straight line; the answer says which, and why it is straight.

The hand-built network around WEST_POINT (the case, C): the grid head H is 111 m north of
C in a straight line but 1.3 km away by road (a loop to the west), the grid worker W is
555 m north in a straight line and 0.94 km by road (a loop to the east). No road runs
between C and H, or between H and W."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString
from sqlalchemy import text

from gis.incidents.nearest import nearest_staff
from gis.ingest.roads import import_roads
from gis.roads.network import rebuild
from tests.gis.ingest_samples import write_sample
from tests.incident_fixtures import THURSDAY, VILLAGE, WEST_POINT, as_caller, principal

X, Y = WEST_POINT
EAST_LOOP = LineString([(X, Y), (X + 0.002, Y), (X + 0.002, Y + 0.005), (X, Y + 0.005)])
WEST_LOOP = LineString([(X, Y), (X - 0.006, Y), (X - 0.006, Y + 0.001), (X, Y + 0.001)])


def load_roads(db, tmp_path, lines, *, crs: int = 4326) -> dict:
    frame = gpd.GeoDataFrame({"name": [f"路{i}" for i in range(len(lines))]},
                             geometry=list(lines), crs=4326).to_crs(crs)
    path = write_sample(tmp_path, frame, "geojson", stem="roads")
    return import_roads(db, path=path, commit=True).network


def nearest(db, logins, point=WEST_POINT) -> dict:
    as_caller(db, principal("dispatcher", VILLAGE), logins)
    return nearest_staff(db, lon=point[0], lat=point[1], now=THURSDAY, limit=3)


def test_by_road_the_worker_round_the_east_loop_is_nearer_than_the_head(
        db, dispatch_world, logins, tmp_path):
    straight = nearest(db, logins)
    assert straight["distance_kind"] == "straight"
    assert [s["name"] for s in straight["staff"]] == ["王网格长", "李网格员"]

    as_caller(db, None, logins)
    # CGCS2000 / 3-degree Gauss-Kruger CM 105E: the import brings any supported CRS to 4326
    network = load_roads(db, tmp_path, [EAST_LOOP, WEST_LOOP], crs=4544)
    assert network == {"vertices": 3, "edges": 2}  # C (shared), W and H; a bend is no node
    by_road = nearest(db, logins)
    assert by_road["distance_kind"] == "road"
    assert [s["name"] for s in by_road["staff"]] == ["李网格员", "王网格长"]
    worker, head = by_road["staff"]
    assert worker["distance_m"] == pytest.approx(941, abs=5)
    assert head["distance_m"] == pytest.approx(1271, abs=5)
    assert worker["straight_m"] == pytest.approx(555, abs=2)
    assert head["straight_m"] == pytest.approx(111, abs=2)


def test_a_case_far_from_every_road_is_measured_straight_and_says_why(
        db, dispatch_world, logins, tmp_path):
    as_caller(db, None, logins)
    far_away = LineString([(X + 0.1, Y), (X + 0.1, Y + 0.01)])  # ~10 km east
    load_roads(db, tmp_path, [far_away])
    answer = nearest(db, logins)
    assert answer["distance_kind"] == "straight" and "500 m" in answer["straight_because"]
    assert [s["name"] for s in answer["staff"]] == ["王网格长", "李网格员"]


def test_staff_on_roads_not_joined_to_the_cases_are_left_out(
        db, dispatch_world, logins, tmp_path):
    as_caller(db, None, logins)
    # the east loop reaches W; H's road is cut off from C (it starts 200 m west of C)
    island = LineString([(X - 0.002, Y), (X - 0.006, Y), (X - 0.006, Y + 0.001),
                         (X, Y + 0.001)])
    load_roads(db, tmp_path, [EAST_LOOP, island])
    answer = nearest(db, logins)
    assert answer["distance_kind"] == "road"
    assert [s["name"] for s in answer["staff"]] == ["李网格员"]


def test_without_pgrouting_the_service_says_so_and_measures_straight(
        db, dispatch_world, logins, tmp_path):
    as_caller(db, None, logins)
    load_roads(db, tmp_path, [EAST_LOOP, WEST_LOOP])
    # an external server without the package: dropped inside the test's transaction
    db.execute(text("RESET ROLE"))
    db.execute(text("DROP EXTENSION pgrouting"))
    answer = nearest(db, logins)
    assert answer["distance_kind"] == "straight"
    assert "pgRouting is not installed" in answer["straight_because"]
    assert [s["name"] for s in answer["staff"]] == ["王网格长", "李网格员"]


def test_crossing_roads_are_noded_and_a_reimport_rebuilds_the_network(db, china_grid,
                                                                       tmp_path):
    across = LineString([(X - 0.001, Y), (X + 0.001, Y)])
    down = LineString([(X, Y - 0.001), (X, Y + 0.001)])  # crosses `across` mid-way
    assert load_roads(db, tmp_path, [across, down]) == {"vertices": 5, "edges": 4}
    lengths = db.execute(text("SELECT round(cost) FROM road_edges ORDER BY cost")).scalars()
    assert [float(m) for m in lengths] == [97, 97, 111, 111]
    assert load_roads(db, tmp_path, [across]) == {"vertices": 2, "edges": 1}  # replaced
    db.execute(text("DELETE FROM road_lines"))
    assert rebuild(db) == {"vertices": 0, "edges": 0}
