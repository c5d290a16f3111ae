"""The planner's editor (/editor) as a planner meets it: open a draft, split a cell and see
the impact before saving, move a shared boundary (the neighbour follows), a stale save,
undo, a phone, and nothing leaves the machine. The committed two-cell grid: west …001 =
box(0,0,1,1), east …002 = box(1,0,2,1), named with markup; three households in the west."""
from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from shapely.geometry import Point, box, shape
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.db import sqlalchemy_url
from gis.people.assignment import assign_households
from tests.auth_fixtures import PASSWORD
from tests.browser.conftest import HOSTILE_NAME
from tests.browser.test_pages import watch
from tests.factories import VILLAGE
from tests.people_fixtures import add_household

WEST, EAST, NEW = VILLAGE + "001", VILLAGE + "002", VILLAGE + "003"


@pytest.fixture()
def editor_url(hostile_grid, live_url) -> str:
    """onegrid over the two cells, with households at lng 0.2, 0.3 (west of a cut at 0.4)
    and 0.7 in the west cell, and buildings at lng 0.1 and 0.9 (lat 0.5) there too."""
    engine = create_engine(sqlalchemy_url(hostile_grid["url"]))
    with Session(engine) as session, session.begin():
        for n, lng in enumerate((0.2, 0.3, 0.7)):
            add_household(session, lon=lng, lat=0.5, external_id=f"H{n}")
        for lng in (0.1, 0.9):  # a building far from the east cell, one next to it
            session.execute(text(
                "INSERT INTO buildings (address, geom) VALUES (:a, ST_MakeEnvelope("
                ":x - 0.01, 0.49, :x + 0.01, 0.51, 4326))"), {"a": f"楼 {lng}", "x": lng})
        assign_households(session, reason="test")  # into the active cells, as imports do
    engine.dispose()
    return live_url


def at(page, lat: float, lng: float) -> tuple[float, float]:
    """Where on the screen a place is (the editor's Leaflet map projects it)."""
    x, y = page.evaluate("([lat, lng]) => { const p = window.onegridEditor.map"
                         ".latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }", [lat, lng])
    frame = page.locator("#map").bounding_box()
    return frame["x"] + x, frame["y"] + y


def open_editor(page, url: str, cells: int = 2) -> None:
    page.goto(f"{url}/editor")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("path.cell")).to_have_count(cells)


def new_draft(url: str) -> int:
    answer = httpx.post(f"{url}/generations", json={"name": "draft"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def draft_cells(url: str, generation: int) -> dict[str, dict]:
    fc = httpx.get(f"{url}/cells", params={"generation": generation}).json()
    return {f["properties"]["code"]: shape(f["geometry"]) for f in fc["features"]}


def select(page, lat: float, lng: float, code: str) -> None:
    with page.expect_response(lambda r: f"/cells/{code}?generation=" in r.url):
        page.mouse.click(*at(page, lat, lng))
    expect(page.locator("#figures")).to_contain_text(code)


def draw_split_line(page, lng: float) -> None:
    """A north-south line across the village at `lng`, double-clicked to finish."""
    page.click("#tool-split")
    page.mouse.click(*at(page, 1.2, lng))
    with page.expect_response(lambda r: r.url.endswith("/preview")) as preview:
        page.mouse.dblclick(*at(page, -0.2, lng))
    assert preview.value.status == 200, preview.value.text()


def test_a_planner_creates_a_draft_splits_a_cell_sees_the_impact_saves_and_undoes(
        page, editor_url):
    seen = watch(page)
    page.goto(f"{editor_url}/editor")
    expect(page.locator("#create-draft")).to_contain_text("还没有草稿版本")  # Chinese first
    # before any draft, the grid in force is on the map (read only), not an empty map
    expect(page.locator("path.cell")).to_have_count(2)
    expect(page.locator("#tools button", has_text="拆分")).to_be_disabled()
    page.fill("#draft-name", "西片调整")
    with page.expect_response(lambda r: "/cells?generation=" in r.url):
        page.click("#create-draft button")
    expect(page.locator("#draft-title")).to_contain_text("西片调整")
    expect(page.locator("path.cell")).to_have_count(2)
    generation = int(urlsplit(page.url).query.split("=")[1])
    select(page, 0.5, 0.5, WEST)
    expect(page.locator("#figures")).to_contain_text("户数3")
    assert HOSTILE_NAME in page.locator("#figures").text_content()  # a name, as text

    draw_split_line(page, 0.4)
    # the live balance, before → after, and the two households west of the cut
    balance = page.locator("#balance tbody tr")
    expect(balance).to_have_count(2)
    expect(balance.filter(has_text=WEST)).to_contain_text("3 → 1")
    expect(balance.filter(has_text=NEW)).to_contain_text("0 → 2")
    expect(page.locator("#moves")).to_contain_text("户: 2")
    expect(page.locator("path.moved-household")).to_have_count(2)  # on the map too
    expect(page.locator("path.after-shape")).to_have_count(2)
    assert set(draft_cells(editor_url, generation)) == {WEST, EAST}  # nothing written yet

    page.fill("#reason", "按道路拆分")
    with page.expect_response(lambda r: r.url.endswith(f"/cells/{WEST}/split")) as saved:
        page.click("#save")
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("#message")).to_have_text("已保存。")
    expect(page.locator("path.cell")).to_have_count(3)
    cells = draft_cells(editor_url, generation)
    # the larger part keeps the code, the other gets the village's next serial number
    assert set(cells) == {WEST, EAST, NEW}
    assert cells[NEW].covers(Point(0.2, 0.5)) and cells[WEST].covers(Point(0.7, 0.5))
    expect(page.locator("#history li").first).to_contain_text("按道路拆分")  # the reason

    with page.expect_response(lambda r: r.url.endswith("/undo")) as undone:
        page.click("#tool-undo")
    assert undone.value.status == 200, undone.value.text()
    expect(page.locator("#message")).to_have_text("已撤销。")
    expect(page.locator("path.cell")).to_have_count(2)
    assert set(draft_cells(editor_url, generation)) == {WEST, EAST}
    expect(page.locator("#tool-redo")).to_be_enabled()
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []
    assert page.evaluate("window.__xss") is None


def test_moving_a_shared_boundary_moves_the_neighbour_with_it(page, editor_url):
    generation = new_draft(editor_url)
    open_editor(page, editor_url)
    select(page, 0.5, 0.5, WEST)
    page.click("#tool-boundary")
    # the middle of the shared edge (lng 1, lat 0.5): drag it 0.3° east into the neighbour
    handles = page.locator(".marker-icon-middle")
    expect(handles).to_have_count(4)  # one in the middle of each edge of the square
    start = at(page, 0.5, 1.0)
    centres = [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
               for b in (h.bounding_box() for h in handles.all())]
    assert any(abs(x - start[0]) < 3 and abs(y - start[1]) < 3 for x, y in centres)
    drag(page, start, at(page, 0.5, 1.3))
    expect(page.locator("#balance tbody tr")).to_have_count(2)  # the cell and its neighbour
    with page.expect_response(lambda r: "follow=true" in r.url) as saved:
        page.click("#save")
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("#message")).to_have_text("已保存。")
    cells = draft_cells(editor_url, generation)
    west, east = cells[WEST], cells[EAST]
    assert west.covers(Point(1.2, 0.5)) and not east.covers(Point(1.2, 0.5))
    # the triangle the west cell took (0.3° deep, to within a pixel) is what the east lost
    assert west.area == pytest.approx(1.15, abs=0.005)
    assert west.area + east.area == pytest.approx(2)
    assert west.intersection(east).area == pytest.approx(0, abs=1e-12)  # no overlap
    assert west.union(east).equals(box(0, 0, 2, 1))  # no gap, the outline unchanged


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag what is at `start` to `end`, in steps as a hand would; waits for the preview."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
    with page.expect_response(lambda r: r.url.endswith("/preview")):
        page.mouse.move(*end, steps=4)
        page.mouse.up()


def test_a_dragged_vertex_snaps_to_the_neighbours_corner(page, editor_url):
    generation = new_draft(editor_url)
    open_editor(page, editor_url)
    select(page, 0.5, 0.5, WEST)
    page.click("#tool-boundary")
    expect(page.locator(".marker-icon-middle")).to_have_count(4)
    corner = at(page, 1.0, 2.0)  # the east cell's north-east corner
    drag(page, at(page, 0.5, 1.0), (corner[0] - 6, corner[1] + 5))  # dropped a little off
    with page.expect_response(lambda r: "follow=true" in r.url) as saved:
        page.click("#save")
    assert saved.value.status == 200, saved.value.text()
    west = draft_cells(editor_url, generation)[WEST]
    assert (2.0, 1.0) in list(west.exterior.coords)  # exactly on it: snapped


def test_painting_a_building_moves_it_and_its_ground_to_the_selected_cell(page, editor_url):
    generation = new_draft(editor_url)
    open_editor(page, editor_url)
    select(page, 0.5, 1.5, EAST)
    with page.expect_response(lambda r: "/buildings?" in r.url):
        page.click("#tool-paint")
    expect(page.locator("path.building")).to_have_count(2)
    with page.expect_response(lambda r: r.url.endswith("/preview")):
        page.mouse.click(*at(page, 0.5, 0.9))  # the building next to the east cell
    expect(page.locator("#balance tbody tr")).to_have_count(2)
    with page.expect_response(lambda r: r.url.endswith("/paint")) as saved:
        page.click("#save")
    assert saved.value.status == 200, saved.value.text()
    cells = draft_cells(editor_url, generation)
    assert cells[EAST].covers(Point(0.9, 0.5)) and cells[WEST].covers(Point(0.1, 0.5))
    assert cells[WEST].union(cells[EAST]).equals(box(0, 0, 2, 1))


def test_merging_two_neighbours_leaves_one_cell(page, editor_url):
    generation = new_draft(editor_url)
    open_editor(page, editor_url)
    select(page, 0.5, 0.5, WEST)
    page.click("#tool-merge")
    with page.expect_response(lambda r: r.url.endswith("/preview")):
        page.mouse.click(*at(page, 0.5, 1.5))
    expect(page.locator("#balance tbody tr")).to_have_count(2)
    expect(page.locator("#balance tbody tr", has_text=EAST)).to_contain_text("（并入后取消）")
    with page.expect_response(lambda r: r.url.endswith("/merge")) as saved:
        page.click("#save")
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("path.cell")).to_have_count(1)
    assert list(draft_cells(editor_url, generation)) == [WEST]  # the lowest code stays


def test_a_planner_names_a_cell_and_renumbers_the_village(page, editor_url):
    generation = new_draft(editor_url)
    cut = {"type": "LineString", "coordinates": [[0.4, -0.5], [0.4, 1.5]]}
    split = httpx.post(f"{editor_url}/generations/{generation}/cells/{WEST}/split",
                       json={"line": cut})
    assert split.status_code == 200, split.text  # the east part keeps …001, the west is …003
    open_editor(page, editor_url, cells=3)
    select(page, 0.5, 0.7, WEST)
    page.fill("#cell-name", "西街 <b>一</b> 格")
    with page.expect_response(lambda r: r.request.method == "PUT") as saved:
        page.click("#name-cell button")
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("#message")).to_have_text("名称已保存。")
    named = httpx.get(f"{editor_url}/cells/{WEST}", params={"generation": generation}).json()
    assert named["properties"]["name"] == "西街 <b>一</b> 格"
    assert shape(named["geometry"]).equals(box(0.4, 0, 1, 1))  # the outline is unchanged
    expect(page.locator("#figures")).to_contain_text("西街 <b>一</b> 格")  # as text
    renumber = page.locator("#renumber")
    with page.expect_response(lambda r: r.url.endswith("/renumber")) as renumbered:
        renumber.click()
    assert renumbered.value.status == 200, renumbered.value.text()
    # west → east: the west part takes the lower code
    expect(page.locator("#message")).to_contain_text("已重新编号：")
    expect(page.locator("#message")).to_contain_text(f"{NEW} → {WEST}")
    cells = draft_cells(editor_url, generation)
    assert cells[WEST].covers(Point(0.2, 0.5)) and cells[NEW].covers(Point(0.7, 0.5))


def test_a_stale_save_says_who_changed_the_cell_meanwhile(page, editor_url):
    generation = new_draft(editor_url)
    open_editor(page, editor_url)
    select(page, 0.5, 0.5, WEST)  # the page read the cell's version here
    line = {"type": "LineString", "coordinates": [[0.8, -0.5], [0.8, 1.5]]}
    meanwhile = httpx.post(f"{editor_url}/generations/{generation}/cells/{WEST}/split",
                           json={"line": line, "reason": "someone else"})
    assert meanwhile.status_code == 200, meanwhile.text
    draw_split_line(page, 0.4)
    with page.expect_response(lambda r: r.url.endswith("/split")) as saved:
        page.click("#save")
    assert saved.value.status == 409
    message = page.locator("#message")
    expect(message).to_contain_text("冲突：在您编辑期间，他人已修改了该网格")
    expect(message).to_contain_text(f"网格 {WEST} 在您读取后已被修改")
    expect(message).to_contain_text("修改人")  # who changed it, once
    expect(page.locator("path.cell")).to_have_count(3)  # the draft as it is now
    expect(page.locator("#impact")).to_be_hidden()  # the stale edit is dropped
    assert set(draft_cells(editor_url, generation)) == {WEST, EAST, NEW}


def test_the_editor_requests_nothing_but_the_server_and_keeps_its_csp(page, editor_url):
    new_draft(editor_url)
    seen = watch(page)
    response = page.goto(f"{editor_url}/editor")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.wait_for_load_state("networkidle")
    local = urlsplit(editor_url).netloc
    outside = [u for u in seen["requests"] if urlsplit(u).netloc != local
               and not u.startswith("data:")]
    assert outside == []
    assert any("/static/vendor/leaflet-geoman/" in u for u in seen["requests"])
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []


def test_the_editor_speaks_english_when_asked(page, editor_url):
    new_draft(editor_url)
    page.goto(f"{editor_url}/editor?lang=en")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#tool-split")).to_have_text("Split")
    expect(page.locator("#legend")).to_contain_text("Households per cell")
    assert "拆分" not in page.locator("#panel").inner_text()


def test_activation_shows_the_report_and_waits_for_confirmation(page, editor_url):
    generation = new_draft(editor_url)
    open_editor(page, editor_url)
    # the findings (both cells are below the band: warnings) list zooms to each
    finding = page.locator("#findings button", has_text=EAST)
    expect(finding).to_contain_text("警告")
    finding.click()
    expect(page.locator("#figures")).to_contain_text(EAST)
    expect(page.locator("path.finding")).to_have_count(2)
    page.click("#activate")
    expect(page.locator("#activation-report")).to_contain_text("阻止生效的问题 0")
    assert httpx.get(f"{editor_url}/generations/{generation}").json()["status"] == "draft"
    with page.expect_response(lambda r: r.url.endswith("/activate")) as activated:
        page.click("#confirm-activate")
    assert activated.value.status == 200, activated.value.text()
    expect(page.locator("#message")).to_contain_text("已生效")
    expect(page.locator("#draft-status")).to_contain_text("已生效")
    expect(page.locator("#tool-split")).to_be_disabled()  # not a draft any more


def test_on_a_phone_the_editor_fits_390_px(browser, editor_url):
    new_draft(editor_url)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{editor_url}/editor")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        expect(page.locator("#panel")).to_be_hidden()  # the whole width is map
        assert page.locator("#map").bounding_box()["width"] == 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator("#lang-en")).to_be_in_viewport(ratio=1)  # the header fits
        select(page, 0.5, 0.5, WEST)  # a tap on the map, with the panel folded away
        page.click("#panel-toggle")
        expect(page.locator("#figures")).to_contain_text(WEST)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        draw_split_line(page, 0.4)  # choosing the tool folds the panel: the map to draw on
        expect(page.locator("#panel")).to_be_hidden()
        expect(page.locator("#panel-toggle.attention")).to_be_visible()  # an edit waits
        page.click("#panel-toggle")
        expect(page.locator("#balance tbody tr")).to_have_count(2)
        expect(page.locator("#save")).to_be_in_viewport()
    finally:
        context.close()


def test_with_log_in_required_the_editor_asks_for_it_first(page, strict_live_url):
    page.goto(f"{strict_live_url}/editor")
    page.wait_for_selector("#login")  # the first 401 asks for a log-in
    page.fill("#login input[name=username]", "ann")
    page.fill("#login input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login button")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#logout")).to_be_visible()
    expect(page.locator("#create-draft")).to_be_visible()  # no draft yet: offer one
