"""ETag / If-Match on draft edits: a stale edit is a 409 that says who changed the cell first."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from psycopg import errors
from shapely.geometry import box, mapping
from sqlalchemy.exc import IntegrityError

from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"


def feature(name: str, geom=None) -> dict:
    return {"type": "Feature", "properties": {"name": name},
            "geometry": mapping(geom or box(0, 0, 1, 1))}


def draft_of(client) -> int:
    return client.post("/generations", json={"name": "d"}).json()["id"]


def test_reads_and_writes_carry_the_version_as_etag(client, two_cells):
    draft = draft_of(client)
    read = client.get(f"/cells/{WEST}", params={"generation": draft})
    assert read.headers["ETag"] == f'"{read.json()["properties"]["version"]}"'

    written = client.put(f"/generations/{draft}/cells/{WEST}", json=feature("河西"),
                         headers={"If-Match": read.headers["ETag"]})
    assert written.status_code == 200, written.text
    assert written.headers["ETag"] != read.headers["ETag"]
    assert written.headers["ETag"] == f'"{written.json()["properties"]["version"]}"'
    # the active generation still shows the cell as it was, with its own version
    active = client.get(f"/cells/{WEST}")
    assert active.headers["ETag"] == read.headers["ETag"]


def test_a_stale_edit_is_refused_and_says_who_changed_the_cell(client, two_cells):
    draft = draft_of(client)
    seen = client.get(f"/cells/{WEST}", params={"generation": draft}).headers["ETag"]
    first = client.put(f"/generations/{draft}/cells/{WEST}", json=feature("first"),
                       headers={"If-Match": seen})
    assert first.status_code == 200

    second = client.put(f"/generations/{draft}/cells/{WEST}", json=feature("second"),
                        headers={"If-Match": seen})
    assert second.status_code == 409
    body = second.json()
    assert body["error"] == "StaleEdit" and body["where"] == "If-Match"
    assert body["details"]["current_version"] == first.json()["properties"]["version"]
    assert f'"{body["details"]["your_version"]}"' == seen
    assert body["details"]["edited_by"] == "dev" and body["details"]["edited_at"]
    assert "redrawn by dev" in body["message"] and "reload" in body["message"]
    # the first edit stands
    now = client.get(f"/cells/{WEST}", params={"generation": draft}).json()
    assert now["properties"]["name"] == "first"


def test_the_version_may_come_in_the_body(client, two_cells):
    draft = draft_of(client)
    version = client.get(f"/cells/{WEST}", params={"generation": draft}).json()[
        "properties"]["version"]
    body = feature("body")
    body["properties"]["version"] = version
    assert client.put(f"/generations/{draft}/cells/{WEST}", json=body).status_code == 200
    assert client.put(f"/generations/{draft}/cells/{WEST}", json=body).status_code == 409
    body["properties"]["version"] = "latest"
    bad = client.put(f"/generations/{draft}/cells/{WEST}", json=body)
    assert bad.status_code == 422 and bad.json()["where"] == "properties.version"


def test_an_edit_without_if_match_still_works(client, two_cells):
    draft = draft_of(client)
    for name in ("one", "two"):
        response = client.put(f"/generations/{draft}/cells/{WEST}", json=feature(name))
        assert response.status_code == 200
    history = client.get(f"/cells/{WEST}", params={"generation": draft}).json()
    assert history["properties"]["name"] == "two"


def test_a_malformed_if_match_says_what_is_expected(client, two_cells):
    draft = draft_of(client)
    response = client.put(f"/generations/{draft}/cells/{WEST}", json=feature("x"),
                          headers={"If-Match": "yesterday"})
    assert response.status_code == 422 and response.json()["where"] == "If-Match"
    star = client.put(f"/generations/{draft}/cells/{WEST}", json=feature("x"),
                      headers={"If-Match": "*"})
    assert star.status_code == 200


def test_an_undone_redraw_gets_a_fresh_version(client, two_cells):
    """Merging a split back restores the old row: an ETag read in between must not match it."""
    draft = draft_of(client)
    original = client.get(f"/cells/{WEST}", params={"generation": draft}).headers["ETag"]
    client.post(f"/generations/{draft}/cells/{WEST}/split",
                json={"line": {"type": "LineString", "coordinates": [[0.5, -1], [0.5, 2]]}})
    merged = client.post(f"/generations/{draft}/merge", json={"codes": [WEST, VILLAGE + "003"]})
    assert [c["action"] for c in merged.json()["changes"]] == ["restored", "removed"]
    restored = client.get(f"/cells/{WEST}", params={"generation": draft}).headers["ETag"]
    assert restored != original
    stale = client.put(f"/generations/{draft}/cells/{WEST}", json=feature("x"),
                       headers={"If-Match": original})
    assert stale.status_code == 409


def test_split_and_merge_check_the_versions_they_were_based_on(client, two_cells):
    draft = draft_of(client)
    seen = client.get(f"/cells/{WEST}", params={"generation": draft}).json()
    client.put(f"/generations/{draft}/cells/{WEST}", json=feature("moved on"))
    line = {"type": "LineString", "coordinates": [[0.5, -1], [0.5, 2]]}
    split = client.post(f"/generations/{draft}/cells/{WEST}/split",
                        json={"line": line, "version": seen["properties"]["version"]})
    assert split.status_code == 409 and split.json()["details"]["code"] == WEST
    east = client.get(f"/cells/{EAST}", params={"generation": draft}).json()
    merge = client.post(f"/generations/{draft}/merge", json={
        "codes": [WEST, EAST], "versions": {WEST: seen["properties"]["version"],
                                            EAST: east["properties"]["version"]}})
    assert merge.status_code == 409 and merge.json()["details"]["code"] == WEST
    unrelated = client.post(f"/generations/{draft}/merge", json={
        "codes": [WEST, EAST], "versions": {VILLAGE + "009": 1}})
    assert unrelated.status_code == 422 and unrelated.json()["where"] == "versions"


def test_activation_with_if_match_activates_the_draft_as_reviewed(client, two_cells, settings):
    settings.grid.households_min = 0
    draft = draft_of(client)
    reviewed = client.get(f"/generations/{draft}")
    assert reviewed.headers["ETag"] == f'"{reviewed.json()["version"]}"'
    client.put(f"/generations/{draft}/cells/{WEST}", json=feature("late change"))
    changed = client.get(f"/generations/{draft}").json()
    assert changed["version"] == reviewed.json()["version"] + 1
    assert changed["updated_by"] == "dev"

    refused = client.post(f"/generations/{draft}/activate",
                          headers={"If-Match": reviewed.headers["ETag"]})
    assert refused.status_code == 409 and refused.json()["error"] == "StaleEdit"
    assert refused.json()["details"]["current_version"] == changed["version"]
    assert client.get(f"/generations/{draft}").json()["status"] == "draft"

    activated = client.post(f"/generations/{draft}/activate",
                            headers={"If-Match": f'"{changed["version"]}"'})
    assert activated.status_code == 200, activated.text
    assert activated.headers["ETag"] == f'"{changed["version"] + 1}"'


@pytest.mark.parametrize("error", [errors.UniqueViolation, errors.ExclusionViolation,
                                   errors.DeadlockDetected, errors.SerializationFailure])
def test_a_clash_in_the_database_is_a_409_without_its_text(app, error):
    """The backstop behind the version checks: the database's words stay in the log."""
    def clash():
        raise IntegrityError("INSERT ...", {}, error(
            'duplicate key value violates unique constraint "ex_grid_cells_code_per_generation"'))

    app.add_api_route("/test-clash", clash)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test-clash")
    assert response.status_code == 409
    assert response.json()["error"] == "Conflict" and "try again" in response.json()["message"]
    assert "constraint" not in response.text and "ex_grid_cells" not in response.text
