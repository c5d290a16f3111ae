"""The API documentation works on a closed network: Swagger UI and ReDoc from the server."""
from __future__ import annotations

from tests.browser.test_pages import watch


def test_swagger_ui_shows_the_operations_with_nothing_refused(page, live_url):
    seen = watch(page)
    page.goto(f"{live_url}/docs")
    page.locator(".opblock-summary-path", has_text="/cells").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert page.evaluate("window.__cspViolations") == []
    assert seen["refused"] == []


def test_redoc_shows_the_operations_with_nothing_refused(page, live_url):
    seen = watch(page)
    page.goto(f"{live_url}/redoc")
    page.get_by_role("heading", name="onegrid").first.wait_for()
    page.locator("h2", has_text="Cells as a GeoJSON FeatureCollection").first.wait_for()
    assert page.evaluate("window.__cspViolations") == []
    assert seen["refused"] == []
