"""Photos of a case: checked by their bytes and size, stored beside the database, served
only to whoever may see the case."""
from __future__ import annotations

import pytest

from tests.incident_fixtures import EAST_CELL, THURSDAY, VILLAGE, WEST_CELL, WEST_POINT

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture()
def clients(dispatch_world, make_user, auth_client, app, request):
    make_user("patrol", "grid_worker", cells=[WEST_CELL])
    make_user("east", "grid_worker", cells=[EAST_CELL])
    make_user("desk", "dispatcher", regions=[VILLAGE])
    request.getfixturevalue("rls_db")
    app.state.clock = lambda: THURSDAY
    return {name: auth_client(name) for name in ("patrol", "east", "desk")}


def new_case(client) -> int:
    return client.post("/incidents", json={"source": "patrol", "category": "emergency",
                                           "lon": WEST_POINT[0], "lat": WEST_POINT[1]}
                       ).json()["id"]


def test_a_photo_is_stored_and_served_to_whoever_sees_the_case(clients, settings):
    case_id = new_case(clients["patrol"])
    added = clients["patrol"].post(f"/incidents/{case_id}/photos",
                                   files={"file": ("现场.png", PNG, "image/png")})
    assert added.status_code == 201, added.text
    photo = added.json()
    assert photo["media_type"] == "image/png" and photo["bytes"] == len(PNG)
    stored = list((settings.state_dir / "photos" / str(case_id)).iterdir())
    assert [p.read_bytes() for p in stored] == [PNG]
    shown = clients["desk"].get(photo["url"])
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["x-content-type-options"] == "nosniff"
    detail = clients["desk"].get(f"/incidents/{case_id}").json()
    assert [p["url"] for p in detail["photos"]] == [photo["url"]]
    assert clients["east"].get(photo["url"]).status_code == 404
    assert clients["east"].post(f"/incidents/{case_id}/photos",
                                files={"file": ("x.jpg", JPEG)}).status_code == 404


@pytest.mark.parametrize(("name", "body", "says"), [
    ("page.png", b"<html><script>alert(1)</script></html>", "not a JPEG, PNG or WebP"),
    ("empty.jpg", b"", "is empty"),
    ("big.jpg", JPEG + b"\x00" * 200, "200 at most"),
])
def test_what_is_not_a_small_photo_is_refused(clients, settings, name, body, says):
    settings.incidents.photo_max_bytes = 200
    case_id = new_case(clients["patrol"])
    answer = clients["patrol"].post(f"/incidents/{case_id}/photos",
                                    files={"file": (name, body, "image/png")})
    assert answer.status_code == 422 and says in answer.text and name in answer.text
