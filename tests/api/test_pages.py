"""The start page and the web map work offline: every asset is served by onegrid itself."""
import re

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


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
