"""The editor in the planner's language: validation findings and the server's refusals read
Chinese on a Chinese page (the default) and English with ?lang=en. The committed two-cell
grid of test_editor.py: west …001 = box(0,0,1,1) with three households, east …002 =
box(1,0,2,1) with none, both under the default household band (warnings)."""
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import test_editor
from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_editor import EAST, WEST, draw_split_line, new_draft, select

# test_editor.py's grid with households and buildings, shared (pytest finds it by this name)
editor_url = test_editor.editor_url


def open_in(page, url: str, lang: str | None) -> None:
    page.goto(f"{url}/editor" + (f"?lang={lang}" if lang else ""))
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("path.cell")).to_have_count(2)


def cell_version(url: str, generation: int, code: str) -> int:
    return httpx.get(f"{url}/cells/{code}", params={"generation": generation}).json()[
        "properties"]["version"]


def test_a_finding_reads_chinese_on_a_chinese_page(page, editor_url):
    new_draft(editor_url)
    open_in(page, editor_url, None)
    finding = page.locator("#findings button", has_text=EAST)
    expect(finding).to_contain_text(f"网格 {EAST} 有 0 户，超出户数范围")
    expect(finding).to_contain_text("偏少")
    assert "households" not in finding.inner_text()


def test_a_finding_reads_english_with_lang_en(page, editor_url):
    new_draft(editor_url)
    open_in(page, editor_url, "en")
    finding = page.locator("#findings button", has_text=EAST)
    expect(finding).to_contain_text(f"Cell {EAST} has 0 households; the band is")
    assert "户" not in finding.inner_text()


def stale_save(page, url: str, lang: str | None) -> tuple[int, int]:
    """The page reads the west cell, someone else splits it, the page saves its own split:
    the versions the page read and the cell has now."""
    generation = new_draft(url)
    open_in(page, url, lang)
    select(page, 0.5, 0.5, WEST)  # the page read the cell's version here
    read = cell_version(url, generation, WEST)
    line = {"type": "LineString", "coordinates": [[0.8, -0.5], [0.8, 1.5]]}
    meanwhile = httpx.post(f"{url}/generations/{generation}/cells/{WEST}/split",
                           json={"line": line, "reason": "someone else"})
    assert meanwhile.status_code == 200, meanwhile.text
    draw_split_line(page, 0.4)
    with page.expect_response(lambda r: r.url.endswith("/split")) as saved:
        page.click("#save")
    assert saved.value.status == 409
    return read, cell_version(url, generation, WEST)


def test_a_stale_save_says_in_chinese_who_changed_which_version(page, editor_url):
    read, now = stale_save(page, editor_url, None)
    assert now != read
    message = page.locator("#message")
    expect(message).to_contain_text(f"网格 {WEST} 在您读取后已被修改：现为第 {now} 版")
    expect(message).to_contain_text(f"您的修改基于第 {read} 版")
    expect(message).to_contain_text("修改人 dev")
    assert "changed since you read it" not in message.inner_text()


def test_a_stale_save_says_it_in_english_with_lang_en(page, editor_url):
    read, now = stale_save(page, editor_url, "en")
    message = page.locator("#message")
    expect(message).to_contain_text(f"cell {WEST} changed since you read it: it is at "
                                    f"version {now}")
    expect(message).to_contain_text(f"based on version {read}")
    assert "网格" not in message.inner_text()


# Refusals the editor meets less easily in a test (another planner's area, a draft activated
# meanwhile, a bad shape), as the server words them (api/errors.py), each shown as the page
# shows a refusal: in Chinese from the catalogue, in English the server's own message; a
# code the catalogue does not know keeps the server's message. Details are data: markup in
# them must stay text.
REFUSALS = [
    ({"error": "PermissionDenied", "message": "ann may not edit x: outside your area",
      "where": "code", "details": {"outside_area": [WEST, HOSTILE_NAME]}},
     f"{WEST}、{HOSTILE_NAME} 不在您的管辖范围内，您不能修改。"),
    ({"error": "GenerationLocked", "message": "generation 7 is active: only a draft can be "
      "changed; create a draft and edit that", "where": "generation",
      "details": {"generation": 7, "status": "active"}},
     "版本 7 已生效，只有草稿可以修改；请新建草稿后在草稿上编辑。"),
    ({"error": "InvalidGeometry", "message": "the polygon is invalid: Self-intersection",
      "where": "geometry"},
     "图形无效（geometry）：the polygon is invalid: Self-intersection"),
    ({"error": "InvalidGeometry", "message": f"the line does not cut cell {WEST}: it must "
      "cross the cell from edge to edge", "where": "line",
      "details": {"reason": "line_misses_cell", "code": WEST}},
     f"分割线没有切开网格 {WEST}：线必须从网格的一边穿到另一边。"),
    ({"error": "PermissionDenied", "message": "ann may not cells write",
      "details": {"permission": "cells:write"}},
     "您的角色无权执行该操作（需要权限 cells:write）。"),
    ({"error": "Conflict", "message": "the change clashes with data already stored",
      "details": {"sqlstate": "40P01"}},
     "他人同时提交了对同一数据的修改，请重试。"),
    # a request the server could not read (FastAPI's validation: `detail` is a list; the
    # message says the same): the field and why once, not the domain sentence of the code
    ({"error": "InvalidInput", "message": "body.reason: Field required",
      "where": "body.reason",
      "detail": [{"loc": ["body", "reason"], "msg": "Field required", "type": "missing"}]},
     "请求有误：body.reason: Field required"),
    ({"error": "SomethingNew", "message": "a refusal no catalogue knows yet"},
     "a refusal no catalogue knows yet"),
]


@pytest.mark.parametrize("lang", [None, "en"])
def test_refusals_read_in_the_page_language_with_their_details_as_text(page, editor_url,
                                                                       lang):
    open_in(page, editor_url, lang)
    for body, chinese in REFUSALS:
        page.evaluate("(body) => { const E = window.onegridEditor; "
                      "E.say(E.refusal({ status: 409, body }), 'error'); }", body)
        expect(page.locator("#message")).to_have_text(body["message"] if lang == "en" else chinese)
    assert page.evaluate("window.__xss") is None
