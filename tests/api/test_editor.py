"""The planner's editor API (issue 15): follow redraws, paint, preview, history, undo/redo."""
from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box, mapping, shape
from sqlalchemy import text

from gis.grid import lifecycle
from tests.factories import VILLAGE, add_own_household
from tests.grid_fixtures import add_households

WEST, EAST = VILLAGE + "001", VILLAGE + "002"


def draft_of(client) -> int:
    return client.post("/generations", json={"name": "d"}).json()["id"]


def cell(client, draft: int, code: str) -> dict:
    return client.get(f"/cells/{code}", params={"generation": draft}).json()


def area_of(feature: dict):
    return shape(feature["geometry"])


def add_building(db, x: float, y: float) -> int:
    return db.execute(text(
        "INSERT INTO buildings (address, geom) VALUES (:a, ST_MakeEnvelope(:x0, :y0, :x1, :y1, "
        "4326)) RETURNING id"), {"a": f"b {x} {y}", "x0": x - 0.01, "y0": y - 0.01,
                                 "x1": x + 0.01, "y1": y + 0.01}).scalar_one()


def follow(client, draft, code, geom, **extra):
    headers = extra.pop("headers", {})
    return client.put(f"/generations/{draft}/cells/{code}", params={"follow": "true"},
                      json={**mapping(geom), **extra}, headers=headers)


def test_moving_a_shared_boundary_moves_the_neighbours_edge_too(client, db, two_cells):
    add_households(db, [(1.2, 0.5), (1.8, 0.5)])
    draft = draft_of(client)
    moved = follow(client, draft, WEST, box(0, 0, 1.5, 1), reason="the new road")
    assert moved.status_code == 200, moved.text
    body = moved.json()
    by_code = {f["properties"]["code"]: f for f in body["cells"]["features"]}
    assert set(by_code) == {WEST, EAST}
    assert area_of(by_code[WEST]).equals(box(0, 0, 1.5, 1))
    assert area_of(by_code[EAST]).equals(box(1.5, 0, 2, 1))
    assert by_code[WEST]["properties"]["households"] == 1
    assert by_code[EAST]["properties"]["households"] == 1
    # the API's own reads agree, and the other generation is untouched
    assert area_of(cell(client, draft, EAST)).equals(box(1.5, 0, 2, 1))
    assert area_of(client.get(f"/cells/{EAST}").json()).equals(box(1, 0, 2, 1))


def test_what_a_cell_gives_up_goes_to_the_neighbour_and_the_outline_stays(client, two_cells):
    draft = draft_of(client)
    # drawn too far west (outside the village): clipped to the two cells' union
    assert follow(client, draft, WEST, box(-1, 0, 0.6, 1)).status_code == 200
    assert area_of(cell(client, draft, WEST)).equals(box(0, 0, 0.6, 1))
    assert area_of(cell(client, draft, EAST)).equals(box(0.6, 0, 2, 1))


def test_a_follow_that_would_swallow_the_neighbour_is_refused(client, two_cells):
    draft = draft_of(client)
    refused = follow(client, draft, WEST, box(0, 0, 2, 1))
    assert refused.status_code == 422
    assert refused.json()["where"] == "geometry" and EAST in refused.json()["message"]


def test_history_has_author_and_reason_and_undo_redo_restore(client, two_cells):
    draft = draft_of(client)
    assert follow(client, draft, WEST, box(0, 0, 1.5, 1), reason="new road").status_code == 200
    split = client.post(f"/generations/{draft}/cells/{EAST}/split", json={
        "line": {"type": "LineString", "coordinates": [[1.75, -1], [1.75, 2]]},
        "reason": "too many households"})
    assert split.status_code == 200, split.text
    history = client.get(f"/generations/{draft}/history").json()
    assert [(i["seq"], i["op"], i["author"], i["reason"], i["undone"])
            for i in history["items"]] == [(1, "redraw", "dev", "new road", False),
                                           (2, "split", "dev", "too many households", False)]
    assert history["items"][0]["codes"] == [WEST, EAST]
    assert history["can_undo"] and not history["can_redo"]

    etag = client.get(f"/generations/{draft}").headers["ETag"]
    undone = client.post(f"/generations/{draft}/undo", headers={"If-Match": etag})
    assert undone.status_code == 200, undone.text
    new_code = VILLAGE + "003"
    assert client.get(f"/cells/{new_code}", params={"generation": draft}).status_code == 404
    assert area_of(cell(client, draft, EAST)).equals(box(1.5, 0, 2, 1))
    undone = client.post(f"/generations/{draft}/undo", headers={"If-Match": undone.headers["ETag"]})
    assert undone.status_code == 200
    assert {f["properties"]["code"] for f in undone.json()["cells"]["features"]} == {WEST, EAST}
    assert area_of(cell(client, draft, WEST)).equals(box(0, 0, 1, 1))
    assert client.post(f"/generations/{draft}/undo").status_code == 409  # nothing left

    redone = client.post(f"/generations/{draft}/redo")
    assert redone.status_code == 200
    assert area_of(cell(client, draft, WEST)).equals(box(0, 0, 1.5, 1))
    history = client.get(f"/generations/{draft}/history").json()
    assert [i["undone"] for i in history["items"]] == [False, True]
    assert history["can_undo"] and history["can_redo"]
    # a new edit drops the undone split: it can no longer be redone
    assert follow(client, draft, WEST, box(0, 0, 1.2, 1)).status_code == 200
    assert not client.get(f"/generations/{draft}/history").json()["can_redo"]
    assert client.post(f"/generations/{draft}/redo").status_code == 409


def test_stale_versions_are_409(client, two_cells):
    draft = draft_of(client)
    west = client.get(f"/cells/{WEST}", params={"generation": draft})
    east_version = west.json()["properties"]["version"] + 1  # not EAST's version
    stale = follow(client, draft, WEST, box(0, 0, 1.5, 1),
                   versions={EAST: east_version + 1000})
    assert stale.status_code == 409 and stale.json()["where"] == "If-Match"
    first = follow(client, draft, WEST, box(0, 0, 1.5, 1),
                   headers={"If-Match": west.headers["ETag"]})
    assert first.status_code == 200
    again = follow(client, draft, WEST, box(0, 0, 1.2, 1),
                   headers={"If-Match": west.headers["ETag"]})
    assert again.status_code == 409
    assert client.post(f"/generations/{draft}/undo",
                       headers={"If-Match": '"1"'}).status_code == 409


def test_only_drafts_are_edited(client, two_cells):
    active = two_cells["generation"]
    assert follow(client, active, WEST, box(0, 0, 1.5, 1)).status_code == 409
    assert client.post(f"/generations/{active}/undo").status_code == 409
    assert client.post(f"/generations/{active}/preview", json={
        "op": "merge", "codes": [WEST, EAST]}).status_code == 409


def test_bad_input_says_what_and_where(client, two_cells):
    draft = draft_of(client)
    long = follow(client, draft, WEST, box(0, 0, 1.5, 1), reason="x" * 501)
    assert long.status_code == 422 and long.json()["where"] == "reason"
    bad_versions = follow(client, draft, WEST, box(0, 0, 1.5, 1), versions={"west": 1})
    assert bad_versions.status_code == 422 and bad_versions.json()["where"] == "versions"
    op = client.post(f"/generations/{draft}/preview", json={"op": "rotate", "code": WEST})
    assert op.status_code == 422
    line = client.post(f"/generations/{draft}/preview", json={
        "op": "split", "code": WEST, "line": {"type": "Point", "coordinates": [0, 0]}})
    assert line.status_code == 422 and line.json()["where"] == "line"


def test_paint_moves_buildings_along_the_boundary(client, db, two_cells):
    near = add_building(db, 0.9, 0.5)
    far = add_building(db, 0.1, 0.5)
    add_building(db, 0.5, 0.5)
    draft = draft_of(client)
    painted = client.post(f"/generations/{draft}/paint", json={
        "to": EAST, "buildings": [near], "reason": "the shop belongs east"})
    assert painted.status_code == 200, painted.text
    west, east = area_of(cell(client, draft, WEST)), area_of(cell(client, draft, EAST))
    spot = shapely.Point(0.9, 0.5)
    assert east.covers(spot) and not west.covers(spot)
    assert west.covers(shapely.Point(0.5, 0.5)) and west.covers(shapely.Point(0.1, 0.5))
    assert abs(west.area + east.area - 2) < 1e-9 and west.union(east).equals(box(0, 0, 2, 1))

    refused = client.post(f"/generations/{draft}/paint", json={"to": EAST, "buildings": [far]})
    assert refused.status_code == 422 and refused.json()["where"] == "buildings"
    assert refused.json()["details"]["buildings"] == [far]
    missing = client.post(f"/generations/{draft}/paint", json={"to": EAST,
                                                               "buildings": [10**9]})
    assert missing.status_code == 422 and "do not exist" in missing.json()["message"]


def test_preview_shows_who_moves_and_writes_nothing(client, db, two_cells, settings):
    settings.grid.households_min, settings.grid.households_max = 1, 2
    add_households(db, [(0.25, 0.5), (0.75, 0.5), (0.8, 0.5)])
    household = add_own_household(db, cell_id=two_cells["west"], address="p")
    db.execute(text("UPDATE households SET geom = ST_Point(0.9, 0.2, 4326) WHERE id = :h"),
               {"h": household})
    db.execute(text("INSERT INTO persons (household_id, name) VALUES (:h, 'a'), (:h, 'b')"),
               {"h": household})
    draft = draft_of(client)
    version = client.get(f"/generations/{draft}").json()["version"]
    preview = client.post(f"/generations/{draft}/preview", json={
        "op": "split", "code": WEST,
        "line": {"type": "LineString", "coordinates": [[0.5, -1], [0.5, 2]]}})
    assert preview.status_code == 200, preview.text
    body = preview.json()
    new_code = VILLAGE + "003"
    cells = {c["code"]: c for c in body["cells"]}
    assert set(cells) == {WEST, new_code}
    # the larger part keeps the code: both halves are equal, so either one may
    kept = cells[WEST]["after"]["households"]
    assert cells[WEST]["before"] == {"households": 4, "persons": 2, "special_populations": 0}
    assert kept + cells[new_code]["after"]["households"] == 4
    assert body["moves"]["households"] == cells[new_code]["after"]["households"]
    assert {f["properties"]["kind"] for f in body["moved"]["features"]} <= {"household"}
    assert len(body["moved"]["features"]) == body["moves"]["households"]
    assert {f["properties"]["code"] for f in body["shapes"]["features"]} == {WEST, new_code}
    assert cells[new_code]["band"] in {"under", "within", "over"}
    # nothing written
    assert client.get(f"/cells/{new_code}", params={"generation": draft}).status_code == 404
    assert client.get(f"/generations/{draft}").json()["version"] == version
    assert client.get(f"/generations/{draft}/history").json()["items"] == []


def test_preview_of_a_follow_redraw_counts_the_moves(client, db, two_cells):
    add_households(db, [(1.2, 0.5), (1.8, 0.5), (0.5, 0.5)])
    draft = draft_of(client)
    body = client.post(f"/generations/{draft}/preview", json={
        "op": "redraw", "code": WEST, "follow": True,
        "geometry": mapping(box(0, 0, 1.5, 1))}).json()
    assert body["moves"]["households"] == 1
    [point] = body["moved"]["features"]
    assert point["properties"]["from"] == EAST and point["properties"]["to"] == WEST
    cells = {c["code"]: c for c in body["cells"]}
    assert cells[WEST]["before"]["households"] == 1 and cells[WEST]["after"]["households"] == 2
    assert cells[EAST]["after"]["households"] == 1


@pytest.fixture()
def planner_of_west(db, two_cells, make_user, auth_client, request):
    draft = lifecycle.create_draft(db, name="draft", created_by="admin").id
    make_user("w", "planner", cells=[WEST])
    request.getfixturevalue("rls_db")
    return auth_client("w"), draft


def test_an_edit_that_moves_a_neighbour_outside_the_area_is_403(planner_of_west):
    client, draft = planner_of_west
    # (the test's requests share one session that an error does not roll back: the
    # preview goes first)
    preview = client.post(f"/generations/{draft}/preview", json={
        "op": "redraw", "code": WEST, "follow": True, "geometry": mapping(box(0, 0, 1.5, 1))})
    assert preview.status_code == 403, preview.text
    refused = follow(client, draft, WEST, box(0, 0, 1.5, 1))
    assert refused.status_code == 403, refused.text
    assert EAST in refused.json()["message"]
    assert client.get(f"/generations/{draft}/history").json()["items"] == []


def split_at(client, draft, code, x):
    return client.post(f"/generations/{draft}/cells/{code}/split", json={
        "line": {"type": "LineString", "coordinates": [[x, -1], [x, 2]]}})


def test_renumber_orders_changed_cells_and_keeps_unchanged_codes(client, two_cells):
    draft = draft_of(client)
    assert split_at(client, draft, WEST, 0.3).status_code == 200  # the new part is west
    new = VILLAGE + "003"
    assert area_of(cell(client, draft, new)).equals(box(0, 0, 0.3, 1))
    etag = client.get(f"/generations/{draft}").headers["ETag"]
    renumbered = client.post(f"/generations/{draft}/renumber",
                             json={"village": VILLAGE, "reason": "W to E"},
                             headers={"If-Match": etag})
    assert renumbered.status_code == 200, renumbered.text
    assert renumbered.json()["renamed"] == [{"from": WEST, "to": new},
                                            {"from": new, "to": WEST}]
    assert area_of(cell(client, draft, WEST)).equals(box(0, 0, 0.3, 1))
    assert area_of(cell(client, draft, new)).equals(box(0.3, 0, 1, 1))
    # EAST is unchanged from the active generation: it keeps its code, east of them all
    assert area_of(cell(client, draft, EAST)).equals(box(1, 0, 2, 1))
    assert client.get(f"/generations/{draft}/history").json()["items"][-1]["reason"] == "W to E"
    again = client.post(f"/generations/{draft}/renumber", json={"village": VILLAGE})
    assert again.json()["renamed"] == []
    stale = client.post(f"/generations/{draft}/renumber", json={"village": VILLAGE},
                        headers={"If-Match": etag})
    assert stale.status_code == 409
    assert client.post(f"/generations/{draft}/undo").status_code == 200
    assert area_of(cell(client, draft, WEST)).equals(box(0.3, 0, 1, 1))
    bad = client.post(f"/generations/{draft}/renumber", json={"village": "12"})
    assert bad.status_code == 422


def test_every_edit_records_its_reason_and_author(client, db, two_cells):
    draft = draft_of(client)
    new = VILLAGE + "003"
    added = client.post(f"/generations/{draft}/cells/{new}", json={
        "type": "Feature", "geometry": mapping(box(2, 0, 3, 1)),
        "properties": {"reason": "new estate"}})
    assert added.status_code == 201, added.text
    merged = client.post(f"/generations/{draft}/merge", json={
        "codes": [EAST, new], "reason": "too small"})
    assert merged.status_code == 200, merged.text
    removed = client.request("DELETE", f"/generations/{draft}/cells/{EAST}",
                             json={"reason": "gone"})
    assert removed.status_code == 200, removed.text
    items = client.get(f"/generations/{draft}/history").json()["items"]
    assert [(i["op"], i["reason"], i["author"]) for i in items] == [
        ("add", "new estate", "dev"), ("merge", "too small", "dev"), ("remove", "gone", "dev")]
    # the per-code ledger (the 409's who/when) points at its history entry
    linked = db.execute(text(
        "SELECT count(*) FROM grid_cell_edits WHERE generation_id = :g AND op_id IS NULL"),
        {"g": draft}).scalar_one()
    assert linked == 0


def test_preview_of_a_merge_and_of_a_paint(client, db, two_cells):
    add_households(db, [(0.5, 0.5), (1.5, 0.5)])
    building = add_building(db, 0.95, 0.5)
    add_building(db, 0.3, 0.5)  # the area around it stays west
    db.execute(text("INSERT INTO households (building_id, located_by) "
                    "VALUES (:b, 'building')"), {"b": building})
    draft = draft_of(client)
    merge = client.post(f"/generations/{draft}/preview",
                        json={"op": "merge", "codes": [WEST, EAST]}).json()
    cells = {c["code"]: c for c in merge["cells"]}
    assert cells[EAST]["band"] is None and cells[EAST]["after"]["households"] == 0
    assert cells[WEST]["after"]["households"] == 3
    assert merge["moves"]["households"] == 1  # the one east
    paint = client.post(f"/generations/{draft}/preview",
                        json={"op": "paint", "to": EAST, "buildings": [building]})
    assert paint.status_code == 200, paint.text
    paint = paint.json()
    assert paint["moves"]["households"] == 1
    [moved] = paint["moved"]["features"]
    assert moved["properties"]["from"] == WEST and moved["properties"]["to"] == EAST
    assert client.get(f"/generations/{draft}/history").json()["items"] == []


@pytest.fixture()
def next_village(db, two_cells):
    """A second village east of two_cells' (x 2..3) with one cell, active."""
    from tests.factories import TOWN, add_cell, add_region

    other = TOWN[:9] + "002"
    add_region(db, code=other, level="village", parent=TOWN, geom=box(2, 0, 3, 1))
    add_cell(db, code=other + "001", geom=box(2, 0, 3, 1),
             generation=two_cells["generation"], village=other)
    db.flush()
    return other + "001"


def test_neighbours_in_another_village_never_follow(client, db, next_village):
    draft = draft_of(client)
    grown = follow(client, draft, EAST, box(1, 0, 2.5, 1))
    assert grown.status_code == 200, grown.text
    assert area_of(cell(client, draft, EAST)).equals(box(1, 0, 2, 1))
    assert area_of(cell(client, draft, next_village)).equals(box(2, 0, 3, 1))
    building = add_building(db, 2.05, 0.5)
    add_building(db, 2.5, 0.5)
    refused = client.post(f"/generations/{draft}/paint",
                          json={"to": EAST, "buildings": [building]})
    assert refused.status_code == 422 and "another village" in refused.json()["message"]
