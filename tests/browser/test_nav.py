"""The site header of the map, the console and the dashboard: the same links on each,
Chinese first, a language switch that every page keeps, and a menu on a phone.

live_url comes before the tab in each signature, so the tab (and the console's live
stream) closes before the server stops: an open stream would hold its shutdown."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_audit_pages import outside
from tests.browser.test_pages import watch

PAGES = {"/map": "地图", "/console": "指挥调度", "/audit/dashboard": "网格力量看板"}
LINKS = [("nav-map", "/map", "地图"), ("nav-console", "/console", "指挥调度"),
         ("nav-dashboard", "/audit/dashboard", "网格力量看板"),
         ("nav-editor", "/editor", "网格编辑"), ("nav-api", "/docs", "接口文档")]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_same_header_in_chinese(live_url, page, path):
    seen = watch(page)
    page.goto(f"{live_url}{path}")
    header = page.locator("header.site")
    for link_id, href, label in LINKS:
        link = header.locator(f"#{link_id}")
        expect(link).to_have_text(label)
        expect(link).to_have_attribute("href", href)
    expect(header.locator("[aria-current=page]")).to_have_text(PAGES[path])
    expect(header.locator("#lang-zh-CN")).to_have_attribute("aria-current", "true")
    page.wait_for_load_state("load")  # (the console's live stream never lets the network idle)
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert outside(seen, live_url) == []


def test_the_header_links_lead_to_the_pages(live_url, page):
    page.goto(f"{live_url}/map")
    with page.expect_navigation():
        page.click("#nav-console")
    expect(page.locator("#side h2")).to_have_text("待办事件")  # the console's queue
    with page.expect_navigation():
        page.click("#nav-dashboard")
    page.wait_for_selector("#dashboard[data-loaded='true']")
    with page.expect_navigation():
        page.click("#nav-map")
    expect(page.locator("#layers")).to_contain_text("网格")


def test_english_chosen_on_the_dashboard_stays_on_the_other_pages(page, live_url):
    page.goto(f"{live_url}/audit/dashboard?region=110101")
    with page.expect_navigation():
        page.click("#lang-en")
    assert page.url.endswith("/audit/dashboard?region=110101&lang=en")  # the rest is kept
    expect(page.locator("#dashboard h1")).to_have_text("Staffing dashboard")
    expect(page.locator("#nav-console")).to_have_text("Console")
    with page.expect_navigation():
        page.click("#nav-map")
    expect(page.locator("#search button")).to_have_text("Search")
    expect(page.locator("#nav-dashboard")).to_have_text("Staffing dashboard")
    with page.expect_navigation():
        page.click("#lang-zh-CN")
    with page.expect_navigation():
        page.click("#nav-dashboard")
    expect(page.locator("#dashboard h1")).to_have_text("网格力量看板")


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_on_a_phone_the_links_fold_into_a_menu(live_url, phone, path):
    page = phone
    page.goto(f"{live_url}{path}")
    header = page.locator("header.site")
    assert header.bounding_box()["width"] == 390
    assert header.evaluate("(h) => h.scrollWidth") <= 390  # nothing sticks out
    expect(page.locator("#lang-en")).to_be_in_viewport()
    console = page.locator("#nav-console")
    expect(console).to_be_hidden()
    page.click("#nav-toggle")
    expect(page.locator("#nav-toggle")).to_have_attribute("aria-expanded", "true")
    expect(console).to_be_visible()
    expect(page.locator("#nav-editor")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(console).to_be_hidden()
    page.click("#nav-toggle")
    with page.expect_navigation():
        console.click()
    assert page.url.endswith("/console")
