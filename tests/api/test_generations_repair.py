"""Hairlines over the API: the validation report locates them, POST .../repair nodes them."""
from __future__ import annotations

from shapely.geometry import box

from tests.gis.test_coverage_repair import WEST, draft_with


def test_validation_locates_a_hairline_and_repair_nodes_it(client, db, settings):
    settings.grid.households_min = 0
    draft = draft_with(db, box(0, 0, 1, 1))
    report = client.get(f"/generations/{draft}/validation", params={"format": "geojson"})
    edges = [f for f in report.json()["features"]
             if f["properties"]["kind"] == "coverage_edge"]
    assert WEST in {code for f in edges for code in f["properties"]["codes"]}
    assert all(f["geometry"]["type"] in ("LineString", "MultiLineString") for f in edges)
    assert client.post(f"/generations/{draft}/activate").status_code == 409

    repaired = client.post(f"/generations/{draft}/repair")
    assert repaired.status_code == 200, repaired.text
    assert repaired.json()["vertices_added"] == 1
    assert repaired.json()["cells_with_invalid_edges_after"] == 0
    kinds = [f["kind"] for f in client.get(f"/generations/{draft}/validation").json()["findings"]]
    assert "coverage_edge" not in kinds
    assert client.post(f"/generations/{draft}/activate").status_code == 200
