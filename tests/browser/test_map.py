"""The web map as a user meets it: Chinese first, search, layers, loading, and a phone."""
from __future__ import annotations

import contextlib
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_pages import open_map, watch
from tests.factories import VILLAGE

WEST_CELL = VILLAGE + "001"


def click_west_cell(page) -> None:
    """A little west of the centre of the 2x1-degree village: inside the west cell."""
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)


def test_the_map_is_chinese_until_english_is_chosen_and_remembers_it(page, live_url):
    open_map(page, live_url)
    expect(page.locator("#search button")).to_have_text("搜索")
    expect(page.locator("#layers")).to_contain_text("网格")
    expect(page.locator("header")).to_contain_text("地图")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    with page.expect_navigation():
        page.click("#lang-en")
    expect(page.locator("#search button")).to_have_text("Search")
    expect(page.locator("#layers")).to_contain_text("Cells")
    expect(page.locator("#legend")).to_contain_text("Households per cell")
    assert "搜索" not in page.locator("body").inner_text()
    page.goto(f"{live_url}/map")  # no ?lang=: the choice was kept
    expect(page.locator("#search button")).to_have_text("Search")


def test_search_finds_a_cell_by_code_and_marks_it_on_the_map(page, live_url):
    seen = watch(page)
    open_map(page, live_url)
    page.fill("#search-q", WEST_CELL)
    page.click("#search button")
    expect(page.locator("#results li")).to_have_count(1)
    expect(page.locator("#results li")).to_contain_text(f"网格{WEST_CELL}")
    expect(page.locator(".leaflet-marker-icon")).to_be_visible()
    expect(page.locator("#info")).to_contain_text(WEST_CELL)
    expect(page.locator("path.highlight")).to_have_count(1)  # the cell's outline
    page.fill("#search-q", "nothing-like-this")
    page.click("#search button")
    expect(page.locator("#results")).to_have_text("没有找到")
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []


def test_the_layer_switcher_hides_and_shows_a_layer(page, live_url):
    open_map(page, live_url)
    outlines = page.locator("path.region-outline")
    expect(outlines).to_have_count(1)  # the town
    page.uncheck("#layer-regions")
    expect(outlines).to_have_count(0)
    page.check("#layer-regions")
    expect(outlines).to_have_count(1)
    # a departmental layer from /layers is listed by its name, as text
    department = page.locator("#layers label", has_text="部门图层")
    expect(department).to_contain_text(HOSTILE_NAME)
    assert department.locator("img").count() == 0
    department.locator("input").check()  # its conflation, drawn as outlines
    # the town, the layer's one cell and the part of the village the layer leaves uncovered
    expect(page.locator(".leaflet-overlay-pane svg path")).to_have_count(3)
    assert page.evaluate("window.__xss") is None


def test_cells_appear_after_a_loading_indicator(page, live_url):
    held = []
    released = []

    def hold_cells(route):
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/cells?*", hold_cells)
    with page.expect_request(lambda r: "/cells?" in r.url):
        page.goto(f"{live_url}/map")
    expect(page.locator("#loading")).to_be_visible()  # while the cells are on their way
    expect(page.locator("#loading")).to_have_text("加载中…")
    released.append(True)
    for route in held:
        # a request the page gave up on (the view moved) has nothing to release
        with contextlib.suppress(Exception):
            route.continue_()
    expect(page.locator("#cells-shown")).to_contain_text("2 / 2")
    expect(page.locator("#loading")).to_be_hidden()


def test_a_view_of_several_pages_draws_every_cell_once(page, live_url):
    """The village's two cells as if they filled more than a page: the first page brings
    one and `next`; the next page, asked for at the larger size, repeats it with the
    other. The map shows two cells, each once, out of two."""
    asked = []
    first_page = []

    def paged(route):
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        try:
            fc = route.fetch().json()
        except Exception:  # noqa: BLE001 - a request the page gave up on (the view moved)
            return
        asked.append(query)
        if "after" not in query and len(fc["features"]) == 2:
            first = fc["features"][0]
            first_page.append(first)
            later = {k: v for k, v in query.items() if k != "count"}
            later["after"] = first["properties"]["code"]
            fc = {**fc, "features": [first], "numberReturned": 1,
                  "next": f"{live_url}/cells?{urlencode(later)}"}
        elif "after" in query:
            # a page repeating a cell already drawn (a retried or overlapping page)
            fc = {**fc, "features": [*first_page[-1:], *fc["features"]]}
        with contextlib.suppress(Exception):
            route.fulfill(status=200, content_type="application/json", body=json.dumps(fc))

    page.route("**/cells?*", paged)
    page.goto(f"{live_url}/map")
    expect(page.locator("#cells-shown")).to_contain_text("2 / 2")
    expect(page.locator("#map")).to_have_attribute("data-cells-drawn", "2")
    following = [q for q in asked if "after" in q]
    assert following and following[-1]["limit"] == "2000"  # the pages after the first


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


def test_on_a_phone_the_panel_collapses_and_the_map_works(phone, live_url):
    page = phone
    open_map(page, live_url)
    expect(page.locator("#panel")).to_be_hidden()  # collapsed: the whole width is map
    box = page.locator("#map").bounding_box()
    assert box["width"] == 390 and box["height"] > 700
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out
    click_west_cell(page)
    expect(page.locator(".leaflet-marker-icon")).to_be_visible()
    page.click("#panel-toggle")
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    expect(page.locator("#info")).to_contain_text(WEST_CELL)
    sheet = panel.bounding_box()
    assert sheet["width"] == 390 and sheet["y"] > 844 * 0.4  # a sheet over the lower part
    page.click("#panel-toggle")
    expect(panel).to_be_hidden()
    page.click("#panel-toggle")
    page.fill("#search-q", WEST_CELL)
    page.click("#search button")
    # what was found is on the map, so the sheet gets out of its way
    expect(panel).to_be_hidden()
    expect(page.locator(".leaflet-marker-icon")).to_be_in_viewport()
    page.click("#panel-toggle")
    expect(page.locator("#results li")).to_have_count(1)


@pytest.mark.parametrize("path", ["/", "/map", "conflation"])
def test_chinese_text_is_set_in_the_bundled_font(page, live_url, hostile_grid, path):
    if path == "conflation":
        path = f"/layers/{hostile_grid['layer']}/conflation/map"
    page.goto(f"{live_url}{path}")
    page.wait_for_load_state("networkidle")
    selector = ".leaflet-container" if path != "/" else "body"
    family = page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).fontFamily")
    assert family.startswith('"Noto Sans SC"'), family
    # the font's CJK pieces were fetched from onegrid and are in use
    assert page.evaluate("document.fonts.check('16px \"Noto Sans SC\"', '网格')")


def test_density_and_findings_layers_come_with_their_legend_and_outlines(page, live_url):
    open_map(page, live_url)
    density_legend = page.locator("#legend-density")
    expect(density_legend).to_be_hidden()
    page.check("#layer-density")
    expect(density_legend).to_be_visible()
    expect(density_legend).to_contain_text("每平方公里住户")
    page.uncheck("#layer-density")
    expect(density_legend).to_be_hidden()
    # both cells hold no household: below the band, so validation finds them
    with page.expect_response(lambda r: "/validation?format=geojson" in r.url) as answer:
        page.check("#layer-findings")
    assert answer.value.status == 200
    findings = answer.value.json()["features"]
    assert {c for f in findings for c in f["properties"]["codes"]} >= {WEST_CELL}
    # the town's outline plus one per finding
    expect(page.locator(".leaflet-overlay-pane svg path")).to_have_count(1 + len(findings))


def test_a_configured_basemap_is_drawn_and_can_be_switched_off(page, live_url, settings):
    requested = []
    page.on("request", lambda r: requested.append(r.url) if "/basemap/" in r.url else None)
    settings.server.basemap_url = f"{live_url}/basemap/{{z}}/{{x}}/{{y}}.png"  # read per page
    open_map(page, live_url)
    expect(page.locator("#layer-basemap")).to_be_checked()
    expect(page.locator(".leaflet-tile-pane img").first).to_be_attached()
    assert requested and all(u.startswith(f"{live_url}/basemap/") for u in requested)
    page.uncheck("#layer-basemap")
    expect(page.locator(".leaflet-tile-pane img")).to_have_count(0)
