"""/generations: a planner drafts, edits, validates and activates through the API."""
from __future__ import annotations

from shapely.geometry import box, mapping

from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"


def test_draft_edit_validate_activate(client, two_cells, settings):
    settings.grid.households_min = 0
    created = client.post("/generations", json={"name": "2027 grid"})
    assert created.status_code == 201 and created.json()["status"] == "draft"
    draft = created.json()["id"]
    assert created.json()["cells"] == 2

    redrawn = client.put(f"/generations/{draft}/cells/{WEST}", json=mapping(box(0, 0, 0.9, 1)))
    assert redrawn.status_code == 200 and redrawn.json()["properties"]["change"] == "redrawn"

    report = client.get(f"/generations/{draft}/validation").json()
    assert report["blocking"] == 1 and report["findings"][0]["kind"] == "gap"
    refused = client.post(f"/generations/{draft}/activate")
    assert refused.status_code == 409
    assert "is in no cell" in refused.json()["details"]["findings"][0]

    geojson = client.get(f"/generations/{draft}/validation", params={"format": "geojson"})
    assert geojson.json()["features"][0]["geometry"]["type"] == "Polygon"

    client.put(f"/generations/{draft}/cells/{EAST}", json=mapping(box(0.9, 0, 2, 1)))
    activated = client.post(f"/generations/{draft}/activate",
                            json={"effective_from": "2027-01-01"})
    assert activated.status_code == 200, activated.text
    cell = client.get(f"/cells/{WEST}").json()
    assert cell["properties"]["generation"] == draft
    old = client.get(f"/cells/{WEST}", params={"at": "2026-06-01"}).json()
    assert old["properties"]["id"] == two_cells["west"]  # history: the cell before the redraw


def test_active_generation_cannot_be_edited(client, two_cells):
    response = client.put(f"/generations/{two_cells['generation']}/cells/{WEST}",
                          json=mapping(box(0, 0, 2, 1)))
    assert response.status_code == 409
    assert response.json()["error"] == "GenerationLocked"


def test_bad_geometry_says_why(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    response = client.put(f"/generations/{draft}/cells/{WEST}", json=bowtie)
    assert response.status_code == 422 and "Self-intersection" in response.json()["message"]
    two_parts = {"type": "MultiPolygon", "coordinates": [mapping(box(0, 0, 1, 1))["coordinates"],
                                                         mapping(box(3, 3, 4, 4))["coordinates"]]}
    response = client.put(f"/generations/{draft}/cells/{WEST}", json=two_parts)
    assert response.status_code == 422 and "one closed polygon" in response.json()["message"]


def test_add_remove_and_discard(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    added = client.post(f"/generations/{draft}/cells/{VILLAGE}003",
                        json={"type": "Feature", "properties": {"name": "河边"},
                              "geometry": mapping(box(1.5, 0, 2, 0.5))})
    assert added.status_code == 201 and added.json()["properties"]["name"] == "河边"
    assert client.delete(f"/generations/{draft}/cells/{EAST}").status_code == 200
    assert client.get(f"/cells/{EAST}", params={"generation": draft}).status_code == 404
    assert client.delete(f"/generations/{two_cells['generation']}").status_code == 409
    assert client.delete(f"/generations/{draft}").status_code == 200
    listed = client.get("/generations").json()
    assert [g["id"] for g in listed] == [two_cells["generation"]]
    assert client.get(f"/cells/{EAST}").json()["properties"]["id"] == two_cells["east"]


def test_propose_into_a_draft(client, db, china_grid):
    from tests.factories import TOWN
    from tests.grid_fixtures import CHINA_SOUTH, CHINA_WEST, add_households

    # 500 households on a diagonal line: the band 200..300 asks for two cells
    add_households(db, [(CHINA_WEST + 0.00003 * i + 0.0001, CHINA_SOUTH + 0.00001 * i + 0.0001)
                        for i in range(500)])
    draft = client.post("/generations", json={"name": "proposal"}).json()["id"]
    response = client.post(f"/generations/{draft}/propose",
                           json={"region": TOWN, "households_min": 200, "households_max": 300})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cells"] == 2 and body["share_in_band"] == 1.0
    assert [c["households"] for c in body["villages"][0]["cells_detail"]] == [250, 250]
    bad = client.post(f"/generations/{draft}/propose",
                      json={"region": TOWN, "households_min": 300, "households_max": 200})
    assert bad.status_code == 422 and "min <= max" in bad.json()["message"]


def test_split_then_merge_through_the_api(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    split = client.post(f"/generations/{draft}/cells/{WEST}/split",
                        json={"line": {"type": "LineString", "coordinates": [[0.5, -1], [0.5, 2]]}})
    assert split.status_code == 200, split.text
    assert [c["code"] for c in split.json()["changes"]] == [WEST, VILLAGE + "003"]
    merged = client.post(f"/generations/{draft}/merge", json={"codes": [WEST, VILLAGE + "003"]})
    # merged back into its old shape, the west cell is its old self again (same row)
    assert [c["action"] for c in merged.json()["changes"]] == ["restored", "removed"]
    assert merged.json()["changes"][0]["cell_id"] == two_cells["west"]
    far = client.post(f"/generations/{draft}/merge", json={"codes": [WEST, EAST]})
    assert far.status_code == 200  # neighbours along x = 1
    apart = client.post(f"/generations/{draft}/cells/{VILLAGE}004",
                        json=mapping(box(5, 5, 6, 6)))
    assert apart.status_code == 201
    refused = client.post(f"/generations/{draft}/merge", json={"codes": [WEST, VILLAGE + "004"]})
    assert refused.status_code == 422 and "share a border" in refused.json()["message"]


def test_a_draft_name_is_cleaned_like_every_other_name(client, two_cells):
    made = client.post("/generations", json={"name": "2027\u202e 规划\u200b", "note": "a\x00b"})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "2027 规划"
    hidden = client.post("/generations", json={"name": "\u200b\u202e"})
    assert hidden.status_code in (409, 422)


def test_propose_without_a_band_uses_the_one_in_settings(client, db, settings, china_grid):
    from tests.factories import TOWN
    from tests.grid_fixtures import CHINA_SOUTH, CHINA_WEST, add_households

    add_households(db, [(CHINA_WEST + 0.00003 * i + 0.0001, CHINA_SOUTH + 0.00001 * i + 0.0001)
                        for i in range(500)])
    settings.grid.households_min, settings.grid.households_max = 200, 300
    draft = client.post("/generations", json={"name": "proposal"}).json()["id"]
    response = client.post(f"/generations/{draft}/propose", json={"region": TOWN})
    assert response.status_code == 200, response.text
    assert response.json()["band"] == [200, 300] and response.json()["cells"] == 2
