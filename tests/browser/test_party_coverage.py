"""Serving party members' households on the coverage maps, in headless Chromium: the web
map's layers, the dashboard's measures and the folium page's layers (households per member,
share of households looked after) draw the audited cells, a cell with a member in its band,
a cell without one grey and said so; nothing from outside."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.db import sqlalchemy_url
from tests.browser.test_audit_pages import outside
from tests.browser.test_pages import open_map, watch
from tests.factories import VILLAGE, add_own_household

PARTY = "households_per_party_member"
SHARE = "party_households_share"
NO_VALUE = "#bdbdbd"
GREEN = "#1a9850"  # households per member at most half the standard (20 as shipped)
MOST = "#08519c"  # at least half the cell's households looked after


@pytest.fixture()
def party_grid(hostile_grid):
    """A serving party member in the west cell looking after its three households; the east
    cell has no member."""
    engine = create_engine(sqlalchemy_url(hostile_grid["url"]))
    with Session(engine) as session, session.begin():
        west = session.execute(text("SELECT id FROM grid_cells WHERE code = :c"),
                               {"c": VILLAGE + "001"}).scalar_one()
        homes = [add_own_household(session, cell_id=west, external_id=f"P{k}")
                 for k in range(3)]
        member = session.execute(text(
            "INSERT INTO staff (name, party_member) VALUES ('党员甲', true) RETURNING id")
        ).scalar_one()
        session.execute(text(
            "INSERT INTO staff_assignments (staff_id, cell_code, role_code) "
            "VALUES (:s, :c, 'party_member')"), {"s": member, "c": VILLAGE + "001"})
        for home in homes:
            session.execute(text(
                "INSERT INTO party_households (staff_id, cell_code, household_id, valid_from) "
                "VALUES (:s, :c, :h, current_date - 1)"),
                {"s": member, "c": VILLAGE + "001", "h": home})
    engine.dispose()
    return hostile_grid


def fills(paths) -> list[str]:
    return sorted(p.get_attribute("fill") for p in paths.all())


def test_the_web_maps_party_layer_draws_its_cells(page, party_grid, live_url):
    seen = watch(page)
    open_map(page, live_url)
    page.check(f"#layer-coverage-{PARTY}")
    cells = page.locator("path.coverage-cell")
    # west: 3 households / 1 member = 3.0, green; east: no member, grey (not 0's colour)
    expect(page.locator(f"path.coverage-cell[fill='{GREEN}']")).to_have_count(1)
    expect(cells).to_have_count(2)
    assert fills(cells) == sorted([GREEN, NO_VALUE])
    legend = page.locator("#legend-coverage")
    expect(legend.locator("h3")).to_have_text("每名在职党员联系户数")
    expect(legend).to_contain_text("无在职党员")
    expect(legend.locator("div")).to_have_count(5 + 1)  # 0, four bands, no member
    west = page.locator(f"path.coverage-cell[fill='{GREEN}']")
    west.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("每名在职党员联系户数: 3")
    expect(tooltip).to_contain_text("在职党员 1 · 党员联系户 3")

    # the share: all three households of the west cell; the east has no member
    page.check(f"#layer-coverage-{SHARE}")
    expect(page.locator(f"#layer-coverage-{PARTY}")).not_to_be_checked()
    expect(legend.locator("h3")).to_have_text("党员联系户覆盖率")
    expect(legend).to_contain_text("无在职党员或无住户")
    # the layer is redrawn: wait for the share's colours before reading them
    expect(page.locator(f"path.coverage-cell[fill='{MOST}']")).to_have_count(1)
    expect(cells).to_have_count(2)
    assert fills(cells) == sorted([MOST, NO_VALUE])
    page.locator(f"path.coverage-cell[fill='{MOST}']").hover()
    expect(tooltip).to_have_count(1)  # the previous measure's tooltip went with its layer
    expect(tooltip).to_contain_text("党员联系户覆盖率: 100.0%")
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert page.evaluate("window.__xss") is None
    assert outside(seen, live_url) == []


def test_the_dashboard_offers_the_party_measure(page, party_grid, live_url):
    seen = watch(page)
    page.goto(f"{live_url}/audit/dashboard")
    page.wait_for_selector("#coverage[data-drawn='2']")
    page.select_option("#measure", PARTY)
    legend = page.locator(f"#coverage-legend[data-measure='{PARTY}']")
    expect(legend.locator("span")).to_have_count(5 + 1)
    expect(legend).to_contain_text("无在职党员")
    assert fills(page.locator("#coverage path.leaflet-interactive")) == sorted(
        [GREEN, NO_VALUE])
    page.select_option("#measure", SHARE)
    expect(page.locator(f"#coverage-legend[data-measure='{SHARE}']")).to_contain_text(
        "无在职党员或无住户")
    assert fills(page.locator("#coverage path.leaflet-interactive")) == sorted(
        [MOST, NO_VALUE])
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert outside(seen, live_url) == []


def test_the_folium_page_has_the_party_layer(page, party_grid, live_url):
    seen = watch(page)
    page.goto(f"{live_url}/audit/staffing/map?lang=en")
    page.wait_for_selector("path.leaflet-interactive")
    overlays = page.locator(".leaflet-control-layers-overlays label")
    expect(overlays).to_have_count(6)
    page.uncheck(".leaflet-control-layers-overlays input >> nth=0")  # the first, shown
    party = overlays.filter(has_text="households looked after per party member")
    party.locator("input").check()
    paths = page.locator("path.leaflet-interactive")
    expect(paths).to_have_count(2)
    assert fills(paths) == sorted([GREEN, NO_VALUE])
    expect(page.locator("#coverage-legend")).to_contain_text("no serving party member")
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert outside(seen, live_url) == []
