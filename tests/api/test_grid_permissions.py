"""Who may draft, edit and activate the grid: role x area over every generation write.

A planner creates, edits and activates drafts within their area; a change outside it is
refused, and so is activating (or discarding) a draft that someone changed outside it."""
from __future__ import annotations

import pytest
from shapely.geometry import box, mapping

from gis.grid import lifecycle
from gis.reference import ROLES
from tests.factories import DISTRICT, VILLAGE, add_region

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
OTHER_TOWN = "500151002000"
AREAS = {"cell": {"cells": [WEST]}, "town": {"regions": [VILLAGE[:9] + "000"]},
         "outside": {"regions": [OTHER_TOWN]}}
SPLIT = {"line": {"type": "LineString", "coordinates": [[0.5, -1], [0.5, 2]]}}


def can(role: str, permission: str) -> bool:
    permissions = ROLES[role][1]
    return "*" in permissions or permission in permissions


@pytest.fixture()
def draft(db, two_cells) -> int:
    add_region(db, code=OTHER_TOWN, level="town", parent=DISTRICT, geom=box(5, 5, 6, 6))
    return lifecycle.create_draft(db, name="draft", created_by="admin").id


@pytest.mark.parametrize("area", sorted(AREAS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_by_area_for_cell_edits(draft, make_user, auth_client, request, role, area):
    make_user("u", role, **AREAS[area])
    request.getfixturevalue("rls_db")  # as the service's database role: grants included
    client = auth_client("u")
    allowed = can(role, "cells:write") and area != "outside"

    redraw = client.put(f"/generations/{draft}/cells/{WEST}", json=mapping(box(0, 0, 1, 1.0)))
    assert redraw.status_code == (200 if allowed else 403), redraw.text
    split = client.post(f"/generations/{draft}/cells/{WEST}/split", json=SPLIT)
    # a planner of one cell may not make a new one (the split's second part)
    assert split.status_code == (200 if allowed and area == "town" else 403), split.text
    if not can(role, "cells:write"):
        assert split.json()["details"]["permission"] == "cells:write"
    elif not allowed:
        assert "outside your area" in split.json()["message"]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_who_may_create_a_draft(two_cells, make_user, auth_client, role):
    make_user("u", role, regions=[VILLAGE[:9] + "000"])
    created = auth_client("u").post("/generations", json={"name": "next year"})
    assert created.status_code == (201 if can(role, "generations:write") else 403)


def test_a_town_planner_drafts_edits_and_activates(two_cells, make_user, auth_client,
                                                  settings):
    settings.grid.households_min = 0
    make_user("pat", "planner", regions=[VILLAGE[:9] + "000"])
    planner = auth_client("pat")
    draft = planner.post("/generations", json={"name": "pat's grid"})
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    moved = {"west": box(0, 0, 0.8, 1), "east": box(0.8, 0, 2, 1)}
    for code, geom in ((WEST, moved["west"]), (EAST, moved["east"])):
        response = planner.put(f"/generations/{draft_id}/cells/{code}", json=mapping(geom))
        assert response.status_code == 200, response.text
    etag = planner.get(f"/generations/{draft_id}").headers["ETag"]
    activated = planner.post(f"/generations/{draft_id}/activate", headers={"If-Match": etag})
    assert activated.status_code == 200, activated.text
    assert planner.get(f"/generations/{draft_id}").json()["status"] == "active"


def test_activation_is_refused_when_the_draft_changes_cells_outside_the_area(
        draft, db, make_user, auth_client):
    make_user("west_only", "planner", cells=[WEST])
    make_user("root", "admin")
    # an administrator renamed the east cell in the shared draft
    renamed = {"type": "Feature", "properties": {"name": "east"},
               "geometry": mapping(box(1, 0, 2, 1))}
    assert auth_client("root").put(f"/generations/{draft}/cells/{EAST}",
                                   json=renamed).status_code == 200
    planner = auth_client("west_only")
    refused = planner.post(f"/generations/{draft}/activate")
    assert refused.status_code == 403
    assert refused.json()["details"]["outside_area"] == [EAST]
    assert "someone whose area covers them" in refused.json()["message"]
    assert planner.delete(f"/generations/{draft}").status_code == 403
    assert lifecycle.get_generation(db, generation_id=draft).status == "draft"


def test_a_proposal_only_for_a_region_wholly_in_the_area(draft, make_user, auth_client):
    make_user("west_only", "planner", cells=[WEST])
    refused = auth_client("west_only").post(
        f"/generations/{draft}/propose",
        json={"region": VILLAGE, "households_min": 1, "households_max": 5})
    assert refused.status_code == 403 and refused.json()["where"] == "region"
