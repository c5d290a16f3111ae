"""Logging in on the map page leaves no token where a script injected into it could read one."""
from __future__ import annotations

from tests.auth_fixtures import PASSWORD

STORED = "JSON.stringify([document.cookie, {...sessionStorage}, {...localStorage}])"


def test_the_map_logs_in_and_keeps_no_readable_token(page, strict_live_url):
    page.goto(f"{strict_live_url}/map")
    page.wait_for_selector("#login")  # the first 401 asks for a log-in
    page.fill("#login input[name=username]", "ann")
    page.fill("#login input[name=password]", PASSWORD)
    regions = page.expect_response(lambda r: r.url.endswith("/regions?level=town&zoom=10")
                                   and r.status == 200)
    with regions, page.expect_navigation():  # logged in: the page reloads, data comes
        page.click("#login button")
    # after the reload the map renewed its access token from the HttpOnly cookie
    page.wait_for_selector("#logout")
    assert page.evaluate(STORED) == '["",{},{}]'
    cookies = page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"], c["path"]) for c in cookies] == [
        ("onegrid_refresh", True, "Strict", "/auth/session")]
    with page.expect_navigation():
        page.click("#logout")
    page.wait_for_selector("#login")
    assert page.context.cookies() == []
