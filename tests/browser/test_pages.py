"""The pages in headless Chromium: data shows as text, nothing leaves the server, CSP holds."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import HOSTILE_NAME

# Collects what the Content-Security-Policy blocked; init scripts run outside the page's CSP.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


def watch(page) -> dict:
    seen = {"requests": [], "refused": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("console", lambda msg: seen["refused"].append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.add_init_script(WATCH_CSP)
    return seen


def open_map(page, live_url: str) -> None:
    """The map, once it has moved to the towns (it asks for their cells at the end)."""
    def cells_of_the_village(response) -> bool:
        if "/cells?" not in response.url:
            return False
        bbox = parse_qs(urlsplit(response.url).query)["bbox"][0]
        west, south, east, north = map(float, bbox.split(","))
        return west < 0.9 < east and south < 0.5 < north

    with page.expect_response(cells_of_the_village):
        page.goto(f"{live_url}/map")


def test_a_village_named_with_markup_shows_as_text_in_the_info_panel(page, live_url):
    watch(page)
    open_map(page, live_url)
    box = page.locator("#map").bounding_box()
    # a little west of the centre of the 2x1-degree village: inside the west cell
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
    page.locator("#info b", has_text="村（社区）").wait_for()  # Chinese by default
    info = page.locator("#info")
    assert HOSTILE_NAME in info.text_content()
    assert info.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_the_legend_is_built_without_markup(page, live_url):
    open_map(page, live_url)
    page.locator("#legend div").first.wait_for()
    # swatches coloured through the DOM (allowed by the CSP; markup with style= is not);
    # the band is settings.grid's (150..500 by default), the one validation uses
    assert [d.text_content() for d in page.locator("#legend div").all()] == [
        "0–149 少于标准", "150–500 标准范围内", "501+ 多于标准"]
    assert page.locator("#legend i").count() == 3


def test_a_conflation_tooltip_shows_a_hostile_name_as_text(page, live_url, hostile_grid):
    page.goto(f"{live_url}/layers/{hostile_grid['layer']}/conflation/map")
    page.wait_for_load_state("networkidle")
    # folium keeps its map in a global map_<id>; hover the middle of the legacy cell (0..1°)
    point = page.evaluate("""() => {
        const map = window[Object.keys(window).find((k) => k.startsWith("map_"))];
        const p = map.latLngToContainerPoint([0.5, 0.5]);
        const box = map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""")
    page.mouse.move(*point)
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    assert HOSTILE_NAME in tooltip.text_content()
    assert tooltip.query_selector("img") is None
    assert page.evaluate("window.__xss") is None


@pytest.mark.parametrize("path", ["/", "/map", "conflation", "/docs", "/redoc"])
def test_a_page_requests_nothing_but_the_server(page, live_url, hostile_grid, path):
    if path == "conflation":
        path = f"/layers/{hostile_grid['layer']}/conflation/map"
    seen = watch(page)
    page.goto(f"{live_url}{path}")
    page.wait_for_load_state("networkidle")
    local = urlsplit(live_url).netloc
    # data: and blob: URLs are in the page's own memory (ReDoc's search runs in a blob worker)
    outside = [url for url in seen["requests"] if urlsplit(url).netloc != local
               and not url.startswith(("data:", "blob:"))]
    assert outside == [], f"{path} reached for {outside}"


def test_the_map_has_a_strict_csp_and_breaks_none_of_it(page, live_url):
    seen = watch(page)
    response = page.goto(f"{live_url}/map")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    page.wait_for_load_state("networkidle")
    assert page.locator("#legend div").count() == 3  # map.js ran
    assert page.evaluate("window.__cspViolations") == []
    assert seen["refused"] == []


def test_the_conflation_map_renders_under_its_csp(page, live_url, hostile_grid):
    seen = watch(page)
    response = page.goto(f"{live_url}/layers/{hostile_grid['layer']}/conflation/map")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split(
        "script-src")[1].split(";")[0]
    page.wait_for_load_state("networkidle")
    assert page.locator(".leaflet-interactive").count() > 0  # folium's script drew the layer
    assert page.evaluate("window.__cspViolations") == []
    assert seen["refused"] == []
    assert HOSTILE_NAME in page.locator("body").text_content()  # the legend, as text
    assert page.evaluate("window.__xss") is None
