"""GET /layers/{id}/conflation (json, geojson, csv) and its offline map page."""
from __future__ import annotations

import re

import folium
import pytest
from shapely.geometry import box
from sqlalchemy import text

from gis.ingest.layers import LegacyRow, store
from maps.folium_offline import remote_assets, render_offline
from tests.factories import VILLAGE, add_cell, add_generation


@pytest.fixture()
def layer(db, two_cells):
    rows = [LegacyRow(index=0, source_code="A1", name="<script>alert(1)</script>",
                      attributes={}, geom=box(0.5, 0, 1.5, 1)),
            LegacyRow(index=1, source_code="A2", name="west", attributes={},
                      geom=box(0, 0, 0.5, 1))]
    layer_id = store(db, department="城管", name="城管网格", source_file="cg.geojson",
                     crs_label="EPSG:4326 WGS 84", rows=rows)
    db.flush()
    return layer_id


def test_conflation_json_uses_the_active_generation(client, layer, two_cells):
    body = client.get(f"/layers/{layer}/conflation").json()
    assert body["generation"] == two_cells["generation"]
    assert body["split_cells"] == 1 and body["legacy_cells"] == 2
    # A1 half west, half east (area 1 of 1.5 in total); A2 wholly west (0.5)
    assert body["agreement"] == pytest.approx((1.0 * 0.5 + 0.5 * 1.0) / 1.5, abs=0.01)
    assert body["uncovered"][0]["village_code"] == VILLAGE


def test_conflation_of_an_explicit_generation(client, db, layer, two_cells):
    # A draft where the village is one cell: the two old cells end with the active one.
    draft = add_generation(db, status="draft", name="next")
    db.execute(text("UPDATE grid_cells SET generation_high = :g"),
               {"g": two_cells["generation"]})
    add_cell(db, code=VILLAGE + "003", geom=box(0, 0, 2, 1), generation=draft)
    body = client.get(f"/layers/{layer}/conflation", params={"generation": draft}).json()
    assert body["generation"] == draft
    assert body["split_cells"] == 0 and body["agreement"] == pytest.approx(1.0)
    active = client.get(f"/layers/{layer}/conflation").json()
    assert active["split_cells"] == 1


def test_conflation_geojson_and_csv(client, layer):
    geojson = client.get(f"/layers/{layer}/conflation", params={"format": "geojson"}).json()
    assert geojson["type"] == "FeatureCollection"
    assert {f["properties"]["kind"] for f in geojson["features"]} == {"legacy_cell",
                                                                       "uncovered"}
    response = client.get(f"/layers/{layer}/conflation", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("legacy_id,legacy_code") and len(lines) == 1 + 3


def test_thresholds_are_parameters(client, layer):
    strict = client.get(f"/layers/{layer}/conflation", params={"min_share": 0.6}).json()
    assert strict["split_cells"] == 0
    assert client.get(f"/layers/{layer}/conflation",
                      params={"min_share": 2}).status_code == 422


def test_unknown_layer_and_generation_are_404(client, layer):
    assert client.get("/layers/999999/conflation").status_code == 404
    assert client.get(f"/layers/{layer}/conflation",
                      params={"generation": 999999}).status_code == 404


def test_map_page_loads_nothing_from_the_internet(client, layer):
    response = client.get(f"/layers/{layer}/conflation/map")
    assert response.status_code == 200
    page = response.text
    assets = re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)", page)
    assert "/static/vendor/leaflet/leaflet.js" in assets
    assert all(a.startswith("/static/") for a in assets), assets
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    # names from uploaded files are shown escaped, never run
    assert "<script>alert(1)</script>" not in page
    assert "城管网格" in page and "一致率" in page  # Chinese first (maps/i18n.py)
    english = client.get(f"/layers/{layer}/conflation/map", params={"lang": "en"}).text
    assert "agreement" in english and "一致率" not in english


def test_offline_renderer_refuses_a_cdn_page():
    # folium's own defaults come from CDNs: the guard must notice them.
    default_html = folium.Map(tiles=None).get_root().render()
    assert any(url.startswith("https://") for url in remote_assets(default_html))
    with pytest.raises(ValueError, match="from the internet"):
        render_offline(folium.Map(tiles=None))
