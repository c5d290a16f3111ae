"""The web map's overlays as a manager and a dispatcher meet them: staffing coverage
choropleths with their legend, incidents coloured by light with filters and a popup that
leads to the console, each offered only to callers allowed to read it; fetched lazily,
nothing from outside, no CSP violation."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.db import sqlalchemy_url
from tests.auth_fixtures import PASSWORD
from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_audit_pages import outside, staffed_grid  # noqa: F401 (a fixture)
from tests.browser.test_pages import open_map, watch
from tests.live_server import serving

MEASURES = ("households_per_fulltime", "special_per_helper", "households_per_party_member",
            "party_households_share", "vacancies", "rules_failed")
NO_VALUE = "#bdbdbd"
WEST = {"lon": 0.5, "lat": 0.5}  # inside the west cell of the committed two-cell grid


def band_colour(bands, value) -> str:
    if value is None:
        return NO_VALUE
    return [colour for floor, colour, _ in bands if value >= floor][-1]


def test_a_coverage_layer_draws_the_audited_cells_with_its_legend(page, staffed_grid,  # noqa: F811
                                                                  live_url):
    seen = watch(page)
    held = []

    def hold(route):
        held.append(route)

    page.route("**/audit/staffing/cells", hold)
    open_map(page, live_url)
    group = page.locator("#layers-coverage")
    expect(group).to_contain_text("网格力量覆盖")
    expect(group.locator("input")).to_have_count(len(MEASURES))
    assert not [u for u in seen["requests"] if "/audit/staffing/cells" in u]  # not yet

    page.check("#layer-coverage-vacancies")
    expect(page.locator("#loading")).to_be_visible()  # while the audit is on its way
    with page.expect_response("**/audit/staffing/cells") as answer:
        held[0].continue_()
    audited = answer.value.json()
    expect(page.locator("#loading")).to_be_hidden()
    cells = page.locator("path.coverage-cell")
    expect(cells).to_have_count(2)
    # each cell in the colour of its band, as the API's bands say
    expected = sorted(band_colour(audited["bands"]["vacancies"], f["properties"]["vacancies"])
                      for f in audited["features"])
    assert sorted(c.get_attribute("fill") for c in cells.all()) == expected
    legend = page.locator("#legend-coverage")
    expect(legend).to_be_visible()
    expect(legend.locator("h3")).to_have_text("空缺岗位数")
    expect(legend.locator("div")).to_have_count(len(audited["bands"]["vacancies"]) + 1)
    expect(legend).to_contain_text("无此比值")

    # a cell's name (markup in the hostile grid) shows in its tooltip as text
    cells.first.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(HOSTILE_NAME)
    assert tooltip.locator("img").count() == 0

    # one measure at a time: another switches the first off, with its own legend
    page.check("#layer-coverage-households_per_fulltime")
    expect(page.locator("#layer-coverage-vacancies")).not_to_be_checked()
    expect(legend.locator("h3")).to_have_text("每名专职网格员户数")
    expect(cells).to_have_count(2)
    # nobody full-time in either cell: the ratio does not exist, so both are grey
    expect(cells.first).to_have_attribute("fill", NO_VALUE)
    expect(cells.last).to_have_attribute("fill", NO_VALUE)
    page.uncheck("#layer-coverage-households_per_fulltime")
    expect(cells).to_have_count(0)
    expect(legend).to_be_hidden()
    # the audit was fetched once for every measure
    assert len([u for u in seen["requests"] if "/audit/staffing/cells" in u]) == 1
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert page.evaluate("window.__xss") is None
    assert outside(seen, live_url) == []


def test_the_coverage_legend_speaks_english(page, live_url):
    page.goto(f"{live_url}/map?lang=en")
    page.check("#layer-coverage-rules_failed")
    expect(page.locator("#legend-coverage h3")).to_have_text("Rules failed")
    expect(page.locator("#layers-coverage")).to_contain_text("Staffing coverage")


@pytest.fixture()
def role_users_url(settings, hostile_grid) -> Iterator[str]:
    """onegrid with dev mode off and users of three roles to log in as."""
    from api.app import create_app
    from gis.auth import service

    engine = create_engine(sqlalchemy_url(hostile_grid["url"]))
    with Session(engine) as session, session.begin():
        for role in ("dispatcher", "planner"):
            service.add_user(session, username=role, password=PASSWORD, roles=(role,))
    engine.dispose()
    settings.database.url = hostile_grid["url"]
    settings.security.dev_mode = False
    with serving(create_app(settings)) as url:
        yield url


@pytest.mark.parametrize(("user", "incidents"), [("dispatcher", True), ("planner", False)])
def test_overlays_are_offered_only_to_callers_allowed_to_read_them(page, role_users_url, user,
                                                                   incidents):
    seen = watch(page)
    page.goto(f"{role_users_url}/map")
    page.wait_for_selector("#login")
    page.fill("#login input[name=username]", user)
    page.fill("#login input[name=password]", PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/auth/me") and r.status == 200), \
            page.expect_navigation():
        page.click("#login button")
    page.wait_for_selector("#logout")
    expect(page.locator("#layer-incidents")).to_have_count(1 if incidents else 0)
    expect(page.locator("#layers-incidents")).to_be_visible(visible=incidents)
    # neither may read the staffing audit: no entry, no request for it
    expect(page.locator("#layers-coverage")).to_be_hidden()
    assert page.locator("#layers-coverage input").count() == 0
    assert not [u for u in seen["requests"] if "/audit/" in u]


@pytest.fixture()
def reported(committed_grid_url, live_url) -> dict:
    """Two cases reported over the API in the west cell: a registered one past its yellow
    moment (titled with markup), and one just reported (not timed yet), ten days ago."""
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with httpx.Client(base_url=live_url, timeout=30) as client:
        def report(**fields) -> dict:
            answer = client.post("/incidents", json={"source": "hotline",
                                                     "category": "emergency", **WEST, **fields})
            assert answer.status_code == 201, answer.text
            return answer.json()

        yellow = report(title=HOSTILE_NAME)
        assert client.post(f"/incidents/{yellow['id']}/transitions",
                           json={"action": "register"}).status_code == 200
        waiting = report(title="路灯不亮")
    with Session(engine) as session, session.begin():
        session.execute(text("UPDATE incidents SET dispatched_at = now() - interval '1 hour',"
                             " yellow_at = now() - interval '1 minute',"
                             " due_at = now() + interval '1 day' WHERE id = :id"),
                        {"id": yellow["id"]})
        session.execute(text("UPDATE incidents SET reported_at = now() - interval '10 days'"
                             " WHERE id = :id"), {"id": waiting["id"]})
    engine.dispose()
    return {"yellow": yellow, "waiting": waiting}


def test_the_incidents_layer_shows_cases_by_light_filters_them_and_opens_one(
        live_url, reported, page):
    # (the tab, whose console holds a live stream, closes before the server stops)
    seen = watch(page)
    open_map(page, live_url)
    assert not [u for u in seen["requests"] if "/incidents" in u]  # nothing until asked
    filters = page.locator("#incident-filters")
    expect(filters).to_be_hidden()
    page.check("#layer-incidents")
    expect(filters).to_be_visible()
    yellow = page.locator("path.incident.light-yellow")
    expect(yellow).to_have_count(1)
    expect(yellow).to_have_attribute("fill", "#f2b705")
    expect(page.locator("path.incident.light-none")).to_have_count(1)  # not timed yet
    expect(page.locator("#incidents-shown")).to_have_text("2 件事件在视图中")
    expect(page.locator("#legend-incidents")).to_contain_text("黄灯")

    # the filters: by light, by status, by when it was reported, by category
    def shows(count: int) -> None:
        expect(page.locator("path.incident")).to_have_count(count)
        expect(page.locator("#incidents-shown")).to_have_text(f"{count} 件事件在视图中")

    filters.locator("select[name=light]").select_option("yellow")
    shows(1)
    filters.locator("select[name=light]").select_option("")
    filters.locator("select[name=status]").select_option("reported")
    shows(1)
    expect(page.locator("path.incident.light-none")).to_have_count(1)
    filters.locator("select[name=status]").select_option("closed")
    shows(0)
    filters.locator("select[name=status]").select_option("open")
    filters.locator("select[name=window]").select_option("7")
    shows(1)  # the one reported ten days ago is outside the window
    filters.locator("select[name=window]").select_option("all")
    expect(filters.locator("select[name=category] option[value=emergency]")).to_have_count(1)
    filters.locator("select[name=category]").select_option("emergency")
    shows(2)

    # the popup: the case as text, and a link to it on the console
    yellow.click()
    popup = page.locator(".incident-popup")
    expect(popup).to_contain_text(reported["yellow"]["code"])
    expect(popup.locator(".title")).to_have_text(HOSTILE_NAME)
    assert popup.locator("img").count() == 0
    expect(popup).to_contain_text("黄灯")
    link = popup.locator("a")
    expect(link).to_have_attribute("href", f"/console?case={reported['yellow']['id']}")
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert page.evaluate("window.__xss") is None
    assert outside(seen, live_url) == []
    with page.expect_navigation():
        link.click()
    expect(page.locator("#case h2")).to_contain_text(reported["yellow"]["code"])
    expect(page.locator("#case .title")).to_have_text(HOSTILE_NAME)
