"""The validation report speaks both languages (`message` English as before, `message_zh`
Chinese), and the refusals the editor translates carry the code and details it needs; the
catalogue's refusal sentences fill in the same details in both languages."""
from __future__ import annotations

import re

from shapely.geometry import box, mapping

from maps.i18n import CATALOGUE
from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"


def test_findings_carry_their_sentence_in_chinese_and_english(client, two_cells, settings):
    settings.grid.households_min = 0
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    client.put(f"/generations/{draft}/cells/{WEST}", json=mapping(box(0, 0, 0.9, 1)))

    report = client.get(f"/generations/{draft}/validation").json()
    [gap] = [f for f in report["findings"] if f["kind"] == "gap"]
    assert "is in no cell" in gap["message"]  # English stays where it was
    assert gap["message_zh"].startswith(f"村（社区）{VILLAGE} 有 ")
    assert "不在任何网格内（缝隙）" in gap["message_zh"]
    area = gap["message"].split(" m²")[0]
    assert f"{area} 平方米" in gap["message_zh"]  # the same figure in both

    geojson = client.get(f"/generations/{draft}/validation",
                         params={"format": "geojson"}).json()
    [feature] = [f for f in geojson["features"] if f["properties"]["kind"] == "gap"]
    assert feature["properties"]["message"] == gap["message"]
    assert feature["properties"]["message_zh"] == gap["message_zh"]

    refused = client.post(f"/generations/{draft}/activate")
    assert refused.status_code == 409
    assert refused.json()["details"]["findings_zh"] == [gap["message_zh"]]


def test_a_locked_generation_says_which_and_why_in_its_details(client, two_cells):
    active = two_cells["generation"]
    response = client.put(f"/generations/{active}/cells/{WEST}", json=mapping(box(0, 0, 2, 1)))
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "GenerationLocked"
    assert body["details"] == {"generation": active, "status": "active"}


def test_a_stale_draft_names_the_generation_in_its_details(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    seen = client.get(f"/generations/{draft}").headers["ETag"]
    client.put(f"/generations/{draft}/cells/{WEST}", json=mapping(box(0, 0, 0.9, 1)))
    refused = client.post(f"/generations/{draft}/activate", headers={"If-Match": seen})
    assert refused.status_code == 409 and refused.json()["error"] == "StaleEdit"
    assert refused.json()["details"]["generation"] == draft


def test_the_editors_geometry_refusals_carry_a_reason_code(client, two_cells):
    draft = client.post("/generations", json={"name": "d"}).json()["id"]
    outside = {"type": "LineString", "coordinates": [[5, 5], [6, 6]]}
    missed = client.post(f"/generations/{draft}/cells/{WEST}/split", json={"line": outside})
    assert missed.status_code == 422, missed.text
    assert missed.json()["details"] == {"reason": "line_misses_cell", "code": WEST}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    invalid = client.put(f"/generations/{draft}/cells/{WEST}", json=bowtie)
    assert invalid.status_code == 422
    assert invalid.json()["details"]["reason"] == "invalid_polygon"
    assert "Self-intersection" in invalid.json()["details"]["why"]


def test_every_refusal_sentence_has_the_same_blanks_in_both_languages():
    blanks = re.compile(r"\{(\w+)\}")
    refusals = {k: v for k, v in CATALOGUE.items() if k.startswith("refusal.")}
    assert len(refusals) > 20
    for key, (zh, en) in refusals.items():
        assert sorted(blanks.findall(zh)) == sorted(blanks.findall(en)), key
    # every reason code a domain refusal carries has its sentence
    for reason in ("line_misses_cell", "merge_one_village", "merge_not_neighbours",
                   "nothing_left", "cut_into_parts", "parts", "invalid_polygon"):
        assert f"refusal.reason.{reason}" in CATALOGUE, reason
