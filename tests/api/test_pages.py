"""The start page and the web map work offline: every asset is served by onegrid itself."""
import re

# scripts and stylesheets (the header's page links are not assets: /editor may not exist)
ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']""")


def test_start_page_links_to_map_docs_and_health(client):
    page = client.get("/")
    assert page.status_code == 200
    for link in ("/map", "/docs", "/healthz"):
        assert f'href="{link}"' in page.text


def test_web_map_loads_only_local_assets(client):
    page = client.get("/map")
    assert page.status_code == 200
    assets = ASSET.findall(page.text)
    assert any(a.endswith("leaflet.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by onegrid"
        assert client.get(asset).status_code == 200, asset


def test_stylesheets_and_scripts_fetch_nothing_from_outside(client):
    for path in ("/static/vendor/leaflet/leaflet.css", "/static/css/onegrid.css",
                 "/static/js/map.js"):
        body = client.get(path).text
        assert not re.search(r"(?:url\(|import\s|fetch\()\s*['\"]?https?://", body), path


def test_the_chinese_font_is_served_locally(client):
    page = client.get("/")
    assert "/static/vendor/noto-sans-sc/400.css" in page.text
    css = client.get("/static/vendor/noto-sans-sc/400.css").text
    fonts = re.findall(r"url\(\./(files/[^)]+\.woff2)\)", css)
    assert len(fonts) > 50  # unicode-range chunks covering CJK
    for font in fonts[:3]:
        response = client.get(f"/static/vendor/noto-sans-sc/{font}")
        assert response.status_code == 200 and response.content[:4] == b"wOF2"


def test_pages_are_chinese_first_and_english_on_request(client):
    chinese = client.get("/map")
    assert '<html lang="zh-CN">' in chinese.text and "网格地图" in chinese.text
    english = client.get("/map", params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Grid map" in english.text
    assert "网格地图" not in english.text
    # the choice is kept (a cookie) for the next page, without ?lang=
    assert "onegrid_lang=en" in english.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/").text
    assert '<html lang="zh-CN">' in client.get("/", params={"lang": "zh-CN"}).text
    assert '<html lang="zh-CN">' in client.get("/map", params={"lang": "klingon"}).text


def test_every_string_has_a_chinese_and_an_english_twin():
    from maps.i18n import CATALOGUE

    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key


def test_the_map_gets_the_household_band_of_the_settings(client, settings):
    import html
    import json

    settings.grid.households_min, settings.grid.households_max = 120, 480
    page = client.get("/map").text
    data = json.loads(html.unescape(re.search(r"data-page='([^']*)'", page).group(1)))
    assert data["band"] == {"min": 120, "max": 480} and data["lang"] == "zh-CN"
    assert data["strings"]["legend.title"] == "每格住户数"


def test_every_page_has_the_favicon_and_the_bundled_font(client, db, two_cells):
    from shapely.geometry import box

    from gis.ingest.layers import LegacyRow, store

    layer = store(db, department="城管", name="城管网格", source_file="cg.geojson",
                  crs_label="EPSG:4326 WGS 84", rows=[LegacyRow(
                      index=0, source_code="A1", name="网格一", attributes={},
                      geom=box(0.5, 0, 1.5, 1))])
    paths = ["/", "/map", f"/layers/{layer}/conflation/map"]
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'href="/static/favicon.svg"' in page.text, path
        assert "/static/vendor/noto-sans-sc/400.css" in page.text, path
    for path in ("/docs", "/redoc"):
        assert 'href="/static/favicon.svg"' in client.get(path).text, path
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")
