"""The site header (maps/templates/_nav.html) as served: the same links on every page, the
language switch keeping the page's other parameters, one language across the pages."""
import re

LINK = re.compile(r'<a id="nav-(\w+)" href="([^"]+)"')


def test_the_map_console_and_dashboard_share_one_header(client):
    links = {path: LINK.findall(client.get(path).text)
             for path in ("/map", "/console", "/audit/dashboard")}
    assert links["/map"] == [("map", "/map"), ("console", "/console"),
                             ("dashboard", "/audit/dashboard"), ("editor", "/editor"),
                             ("api", "/docs")]
    assert links["/console"] == links["/audit/dashboard"] == links["/map"]
    assert '<script src="/static/js/nav.js"></script>' in client.get("/").text


def test_the_language_switch_keeps_the_rest_of_the_address(client):
    page = client.get("/audit/dashboard", params={"region": "500151", "lang": "zh"}).text
    assert 'href="/audit/dashboard?region=500151&amp;lang=en"' in page
    assert 'id="lang-zh-CN" href="/audit/dashboard?region=500151&amp;lang=zh-CN"' in page


def test_english_chosen_anywhere_is_the_dashboards_language_too(client):
    assert "onegrid_lang=en" in client.get("/map", params={"lang": "en"}).headers["set-cookie"]
    dashboard = client.get("/audit/dashboard").text
    assert "<h1>Staffing dashboard</h1>" in dashboard
    assert "<h1>网格力量看板</h1>" in client.get("/audit/dashboard", params={"lang": "zh"}).text
    assert "<h1>网格力量看板</h1>" in client.get("/audit/dashboard",
                                                params={"lang": "zh-CN"}).text


def test_the_overlay_scripts_fetch_nothing_from_outside(client):
    for path in ("/static/js/map_coverage.js", "/static/js/map_incidents.js",
                 "/static/js/nav.js", "/static/css/nav.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not re.search(r"https?://", response.text), path
