"""Region, layer and road imports stay inside the importer's area.

A planner of one town once updated a village of another through /imports/regions. Now a
scoped planner creates or updates only regions under its own code prefix and imports
layer cells and road lines only inside its area; the others are rejected features of the
report, a commit is refused (nothing written), and an unrestricted admin is not bound."""
from __future__ import annotations

import json

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text

from tests.factories import DISTRICT, TOWN, VILLAGE, add_region
from tests.people_fixtures import NORTH, SOUTH, WEST_CODE

OTHER_TOWN, OTHER_VILLAGE = "500151002000", "500151002001"
OTHER_BOX = box(106.10, SOUTH, 106.13, NORTH)
WEST_BOX = box(106.001, 29.801, 106.009, 29.809)   # inside the west cell
EAST_BOX = box(106.021, 29.801, 106.029, 29.809)   # inside the east cell


def geojson(*features: tuple[dict, object]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": mapping(geom)}
        for props, geom in features]}).encode()


def post(client, path: str, data: bytes, *, commit: bool, **form):
    return client.post(path, files={"file": ("f.geojson", data)},
                       data={"commit": "true" if commit else "false", **form})


def rejected(report: dict) -> list[tuple[int, str]]:
    return [(r["index"], r["reason"]) for r in report["rejected"]]


@pytest.fixture()
def planners(db, three_cells, make_user, auth_client, request):
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=OTHER_BOX)
    add_region(db, code=OTHER_VILLAGE, level="village", parent=OTHER_TOWN, geom=OTHER_BOX)
    make_user("town", "planner", regions=[TOWN])
    make_user("cell", "planner", cells=[WEST_CODE])
    make_user("root", "admin")
    request.getfixturevalue("rls_db")
    return {name: auth_client(name) for name in ("town", "cell", "root")}


def region_names(db) -> dict[str, str]:
    return dict(db.execute(text("SELECT code, name FROM regions")).all())


def test_a_town_planner_updates_only_regions_of_its_town(db, planners):
    data = geojson(({"代码": VILLAGE, "名称": "本镇的村"}, box(106.00, SOUTH, 106.03, NORTH)),
                   ({"代码": OTHER_VILLAGE, "名称": "别镇的村"}, OTHER_BOX),
                   ({"代码": OTHER_TOWN[:9] + "009", "名称": "别镇新村"}, OTHER_BOX))
    before = region_names(db)
    dry = post(planners["town"], "/imports/regions", data, commit=False)
    assert dry.status_code == 200, dry.text
    reason = "is outside your area: you may import only regions under your own"
    assert rejected(dry.json()) == [(1, f"region {OTHER_VILLAGE} {reason}"),
                                    (2, f"region {OTHER_TOWN[:9]}009 {reason}")]
    refused = post(planners["town"], "/imports/regions", data, commit=True)
    assert refused.status_code == 422, refused.text
    assert region_names(db) == before
    skipped = post(planners["town"], "/imports/regions", data, commit=True,
                   skip_invalid="true")
    assert skipped.status_code == 200, skipped.text
    assert region_names(db) == before | {VILLAGE: "本镇的村"}


def test_an_admin_imports_regions_anywhere(db, planners):
    data = geojson(({"代码": OTHER_VILLAGE, "名称": "别镇的村"}, OTHER_BOX))
    done = post(planners["root"], "/imports/regions", data, commit=True)
    assert done.status_code == 200, done.text
    assert region_names(db)[OTHER_VILLAGE] == "别镇的村"


def test_a_cell_planner_imports_layer_cells_only_inside_its_cell(db, planners):
    data = geojson(({"网格编码": "A"}, WEST_BOX), ({"网格编码": "B"}, EAST_BOX))
    dry = post(planners["cell"], "/imports/layers", data, commit=False, department="城管")
    assert dry.status_code == 200, dry.text
    assert rejected(dry.json()) == [(1, "lies outside your area")]
    refused = post(planners["cell"], "/imports/layers", data, commit=True, department="城管")
    assert refused.status_code == 422, refused.text
    assert db.execute(text("SELECT count(*) FROM legacy_layers")).scalar() == 0
    root = post(planners["root"], "/imports/layers", data, commit=True, department="城管")
    assert root.status_code == 200 and root.json()["valid"] == 2, root.text


def test_a_town_planner_imports_and_replaces_roads_only_inside_its_town(db, planners):
    inside = {"type": "LineString", "coordinates": [[106.001, 29.805], [106.029, 29.805]]}
    elsewhere = {"type": "LineString", "coordinates": [[106.101, 29.805], [106.129, 29.805]]}

    def lines(*geoms):
        return json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": f"路{i}"}, "geometry": g}
            for i, g in enumerate(geoms)]}).encode()

    root = post(planners["root"], "/imports/roads", lines(inside, elsewhere), commit=True)
    assert root.status_code == 200, root.text
    dry = post(planners["town"], "/imports/roads", lines(inside, elsewhere), commit=False)
    assert rejected(dry.json()) == [(1, "lies outside your area")]
    assert dry.json()["replaced"] == 1  # its own town's line only
    done = post(planners["town"], "/imports/roads", lines(inside), commit=True)
    assert done.status_code == 200, done.text
    names = db.execute(text("SELECT name FROM road_lines ORDER BY name")).scalars().all()
    assert names == ["路0", "路1"]  # the other town's line stayed
