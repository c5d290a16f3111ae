"""The planner's editor (/editor) as a planner meets it: open a draft, split a cell and see
the impact before saving, move a shared boundary, a stale save, and nothing leaves the
machine. The committed two-cell grid: west …001 = box(0,0,1,1), east …002 = box(1,0,2,1)."""
from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_pages import watch
from tests.factories import VILLAGE

WEST, EAST = VILLAGE + "001", VILLAGE + "002"


def at(page, lat: float, lng: float) -> tuple[float, float]:
    """Where on the screen a place is (the editor's Leaflet map projects it)."""
    x, y = page.evaluate("([lat, lng]) => { const p = window.onegridEditor.map"
                         ".latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }", [lat, lng])
    box = page.locator("#map").bounding_box()
    return box["x"] + x, box["y"] + y


def open_editor(page, url: str, generation: int | None = None) -> None:
    path = f"/editor?generation={generation}" if generation else "/editor"
    page.goto(f"{url}{path}")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def new_draft(url: str) -> int:
    answer = httpx.post(f"{url}/generations", json={"name": "draft"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def draft_cells(url: str, generation: int) -> dict[str, dict]:
    fc = httpx.get(f"{url}/cells", params={"generation": generation}).json()
    return {f["properties"]["code"]: f for f in fc["features"]}


def select(page, lat: float, lng: float, code: str) -> None:
    with page.expect_response(lambda r: f"/cells/{code}?generation=" in r.url):
        page.mouse.click(*at(page, lat, lng))
    expect(page.locator("#figures")).to_contain_text(code)


def test_a_planner_creates_a_draft_splits_a_cell_sees_the_impact_and_saves(page, live_url):
    seen = watch(page)
    open_editor(page, live_url)
    expect(page.locator("#create-draft")).to_contain_text("还没有草稿版本")  # Chinese first
    page.fill("#draft-name", "西片调整")
    with page.expect_response(lambda r: "/cells?generation=" in r.url):
        page.click("#create-draft button")
    expect(page.locator("#draft-title")).to_contain_text("西片调整")
    expect(page.locator("path.cell")).to_have_count(2)
    generation = int(urlsplit(page.url).query.split("=")[1])
    select(page, 0.5, 0.3, WEST)
    assert HOSTILE_NAME in page.locator("#figures").text_content()  # a name, as text
    page.click("#tool-split")
    page.mouse.click(*at(page, 1.2, 0.4))
    page.mouse.dblclick(*at(page, -0.2, 0.4))
    expect(page.locator("#impact")).to_be_visible()
    page.fill("#reason", "按道路拆分")
    with page.expect_response(lambda r: r.url.endswith(f"/cells/{WEST}/split")) as saved:
        page.click("#save")
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("#message")).to_have_text("已保存。")
    expect(page.locator("path.cell")).to_have_count(3)
    cells = draft_cells(live_url, generation)
    # the larger part keeps the code, the other gets the village's next serial number
    assert set(cells) == {WEST, EAST, VILLAGE + "003"}
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert page.evaluate("window.__xss") is None


@pytest.mark.parametrize("lang", ["en"])
def test_the_editor_speaks_english_when_asked(page, live_url, lang):
    new_draft(live_url)
    page.goto(f"{live_url}/editor?lang={lang}")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#tool-split")).to_have_text("Split")
    expect(page.locator("#legend")).to_contain_text("Households per cell")
