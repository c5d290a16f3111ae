"""The dispatcher console as a dispatcher meets it: a case reported elsewhere appears live,
its light changes without a reload, it is dispatched with a click, a clash is told in words;
nothing leaves the machine and the Content-Security-Policy holds."""
from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.db import sqlalchemy_url
from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_pages import watch
from tests.live_server import serving

# Inside the west cell of the committed two-cell grid.
WEST = {"lon": 0.5, "lat": 0.5}


@pytest.fixture()
def console(settings, committed_grid_url) -> Iterator[dict]:
    """onegrid on a free port over the committed grid (dev mode: the local administrator),
    its sweeper running often so that lights are announced as they change."""
    from api.app import create_app

    settings.database.url = committed_grid_url
    settings.incidents.sweep_seconds = 0.2
    app = create_app(settings)
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    # an open console holds its stream: the server ends it after 2 s of shutting down
    with serving(app, timeout_graceful_shutdown=2) as url, \
            httpx.Client(base_url=url, timeout=30) as client:
        yield {"url": url, "app": app, "api": client, "engine": engine}
    engine.dispose()


def open_console(page, console) -> dict:
    """The console, once its live stream is open and the server's feed is listening."""
    seen = watch(page)
    page.goto(f"{console['url']}/console")
    page.wait_for_selector("#live[data-state=live]")
    feed = console["app"].state.incident_feed
    while not (feed.consoles and feed.listening.is_set()):
        time.sleep(0.01)
    return seen


def report(console, **fields) -> dict:
    answer = console["api"].post("/incidents", json={
        "source": "hotline", "category": "emergency", **WEST, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def past_its_yellow_share(console, incident_id: int) -> None:
    """As if time passed: the case's clock runs (a clock needs a dispatch time), and its
    yellow moment is behind it; the sweeper announces the light."""
    with Session(console["engine"]) as session, session.begin():
        session.execute(text("UPDATE incidents SET dispatched_at = now() - interval '1 hour',"
                             " yellow_at = now() - interval '1 minute',"
                             " due_at = now() + interval '1 day' WHERE id = :id"),
                        {"id": incident_id})


def test_a_reported_case_appears_turns_yellow_and_is_dispatched_from_the_console(
        page, console):
    seen = open_console(page, console)
    expect(page.locator("header")).to_contain_text("指挥调度")
    case = report(console, title=HOSTILE_NAME)
    in_queue = page.locator(f"#queue button[data-id='{case['id']}']")
    # live: no reload, within 2 s of the commit
    expect(in_queue).to_be_visible(timeout=2000)
    expect(in_queue).to_have_attribute("data-light", "none")
    expect(in_queue).to_contain_text(case["code"])
    assert console["api"].post(f"/incidents/{case['id']}/transitions",
                               json={"action": "register"}).status_code == 200
    past_its_yellow_share(console, case["id"])
    expect(in_queue).to_have_attribute("data-light", "yellow")
    expect(in_queue).to_contain_text("黄灯")

    in_queue.click()
    expect(page.locator("#case h2")).to_contain_text(case["code"])
    expect(page.locator("#case .title")).to_have_text(HOSTILE_NAME)  # as text, not markup
    expect(page.locator("#case-log")).to_contain_text("立案")
    dispatch = page.locator("#actions button[data-action=dispatch]")
    expect(page.locator("#actions button[data-action=register]")).to_have_count(0)
    dispatch.click()
    expect(page.locator("#case-message")).to_have_text("派遣 · 已完成")
    expect(page.locator("#case-log")).to_contain_text("已立案 → 已派遣")
    assert console["api"].get(f"/incidents/{case['id']}").json()["status"] == "dispatched"
    # dispatch starts the clock afresh: the light is green again, on the map and the queue
    expect(in_queue).to_have_attribute("data-light", "green")

    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert [u for u in seen["requests"] if not u.startswith(console["url"])] == []


def test_a_clash_is_told_in_words_and_the_case_shown_as_it_is_now(page, console):
    """Two dispatchers act on one case: the second is told, and sees the first's result."""
    seen = open_console(page, console)
    case = report(console)
    page.locator(f"#queue button[data-id='{case['id']}']").click()
    register = page.locator("#actions button[data-action=register]")
    expect(register).to_be_visible()

    # the click was based on a version someone else has moved past in the meantime
    def stale(route):
        route.continue_(headers={**route.request.headers, "if-match": '"0"'})

    page.route("**/transitions", stale)
    register.click()
    message = page.locator("#case-message")
    expect(message).to_contain_text("冲突：该事件已被他人先行处理")
    expect(message).to_contain_text("version")  # the server's own words follow
    assert console["api"].get(f"/incidents/{case['id']}").json()["status"] == "reported"
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []


def test_the_console_speaks_english_when_asked(page, console):
    watch(page)
    page.goto(f"{console['url']}/console?lang=en")
    expect(page.locator("#live")).to_have_text("live")
    expect(page.locator("#side h2")).to_have_text("Queue")
    case = report(console)
    expect(page.locator(f"#queue button[data-id='{case['id']}']")).to_contain_text("reported")


def test_close_cases_are_drawn_as_one_group_when_zoomed_out(page, console):
    for n in range(6):
        report(console, lon=0.5 + n * 0.0005, lat=0.5)
    open_console(page, console)
    expect(page.locator("#queue li")).to_have_count(6)
    expect(page.locator(".group-count")).to_have_count(0)  # close in: every case alone
    page.wait_for_selector("#console-map[data-zoom='16']")
    for zoom in (15, 14, 13, 12):  # one step at a time: a click while it zooms is lost
        page.click(".leaflet-control-zoom-out")
        page.wait_for_selector(f"#console-map[data-zoom='{zoom}']")
    groups = page.locator(".group-count")
    # a grid of screen squares: a square's edge may split them in two, never more
    counts = [int(n) for n in groups.all_text_contents()]
    assert sum(counts) == 6 and len(counts) <= 2, counts
