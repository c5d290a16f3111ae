"""The staffing dashboard and the folium coverage page in headless Chromium: they draw their
cells, show hostile names as text, break no CSP rule and request nothing from outside."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.db import sqlalchemy_url
from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_pages import watch
from tests.factories import VILLAGE
from tests.staff_fixtures import add_case


@pytest.fixture()
def staffed_grid(hostile_grid):
    """A grid head (named with markup) in the west cell of the committed grid."""
    engine = create_engine(sqlalchemy_url(hostile_grid["url"]))
    with Session(engine) as session, session.begin():
        staff = session.execute(text("INSERT INTO staff (name) VALUES (:n) RETURNING id"),
                                {"n": HOSTILE_NAME}).scalar_one()
        session.execute(text("INSERT INTO staff_assignments (staff_id, cell_code, role_code) "
                             "VALUES (:s, :c, 'grid_head')"), {"s": staff, "c": VILLAGE + "001"})
        west = session.execute(text("SELECT id FROM grid_cells WHERE code = :c"),
                               {"c": VILLAGE + "001"}).scalar_one()
        # an overdue case in the grid head's hands: the dashboard's workload
        now = dt.datetime.now(dt.UTC)
        add_case(session, west, status="handling", staff=staff,
                 dispatched=now - dt.timedelta(days=2), due=now - dt.timedelta(days=1))
    engine.dispose()
    return hostile_grid


def outside(seen: dict, live_url: str) -> list[str]:
    local = urlsplit(live_url).netloc
    return [u for u in seen["requests"] if urlsplit(u).netloc != local
            and not u.startswith(("data:", "blob:"))]


def test_the_dashboard_draws_its_figures_tree_and_map(page, staffed_grid, live_url):
    seen = watch(page)
    response = page.goto(f"{live_url}/audit/dashboard")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    page.wait_for_selector("#dashboard[data-loaded='true']")
    page.wait_for_selector("#coverage[data-drawn='2']")
    assert page.locator("#figures div").count() == 7
    assert page.locator("#rules tr").count() == 1 + 8
    assert page.locator("#tree details.village").count() == 1
    assert page.locator("#worst tr.worst-cell").count() == 2
    assert page.locator("#coverage path.leaflet-interactive").count() == 2
    assert page.locator("#trend svg rect").count() == 2 * 12
    worst = page.locator("#worst").text_content()
    assert HOSTILE_NAME in worst and page.locator("#worst img").count() == 0
    assert page.locator("#workload div").count() == 6
    assert page.locator("#workload div b").nth(1).text_content() == "1"  # overdue
    workers = page.locator("#workload-workers tr.workload-worker")
    assert workers.count() == 1 and HOSTILE_NAME in workers.first.text_content()
    assert page.locator("#workload-workers img").count() == 0
    assert "90" in page.locator("#workload-window").text_content()
    page.select_option("#measure", "vacancies")
    assert page.locator("#coverage-legend span").count() == 4
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert page.evaluate("window.__xss") is None
    assert outside(seen, live_url) == []


def test_the_dashboard_in_english(page, staffed_grid, live_url):
    page.goto(f"{live_url}/audit/dashboard?lang=en")
    page.wait_for_selector("#dashboard[data-loaded='true']")
    assert "households per full-time worker" in page.locator("#figures").text_content()


def test_the_folium_coverage_page_draws_offline(page, staffed_grid, live_url):
    seen = watch(page)
    response = page.goto(f"{live_url}/audit/staffing/map")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split(
        "script-src")[1].split(";")[0]
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 2  # the first layer shown
    assert page.locator(".leaflet-control-layers-overlays label").count() == 6
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert outside(seen, live_url) == []
