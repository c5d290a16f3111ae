"""The web map and the editor over the small demo (a district's seat town, 16 or so
cells, 5,000 households): the cells are drawn, coloured by the household band, and nothing
is fetched from anywhere but onegrid. Not timed (bench/map_paint.py measures how soon)."""
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from gis.db import sqlalchemy_url
from gis.demo.load import load_demo
from tests.browser.test_pages import watch
from tests.committed_fixtures import committed_database
from tests.live_server import serving

BAND_COLOURS = {(0xf4, 0xd3, 0x5e), (0x2a, 0x9d, 0x8f), (0xe6, 0x39, 0x46)}  # map.js's bands
WAIT_MS = 60_000  # generous: a shared machine; how soon is the benchmark's business

# The cell canvas's pixels: how many are painted, and how many in each colour.
CANVAS_PIXELS = """() => {
  const canvas = document.querySelector(".leaflet-overlay-pane canvas");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = {};
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    painted += 1;
    const key = `${data[i]},${data[i + 1]},${data[i + 2]}`;
    colours[key] = (colours[key] || 0) + 1;
  }
  return { total: data.length / 4, painted, colours };
}"""


@pytest.fixture(scope="module")
def small_demo_url(migrated_url, logins) -> Iterator[str]:
    """A new database in the test cluster holding the small demo, committed (the server's
    own connections see it); dropped afterwards."""
    with committed_database(migrated_url, logins, prefix="onegrid_demo",
                            fill=lambda s: load_demo(s, size="small",
                                                     secret_key="test-key")) as url:
        yield url


@pytest.fixture()
def demo_url(settings, small_demo_url) -> Iterator[str]:
    """onegrid serving the small demo on a free local port (dev mode: the admin)."""
    from api.app import create_app

    settings.database.url = small_demo_url
    with serving(create_app(settings)) as url:
        yield url


def is_band_colour(rgb: tuple[int, ...]) -> bool:
    """A band's fill; the canvas keeps colours premultiplied by the fill's opacity, so
    reading them back may round a channel by one or two."""
    return any(all(abs(a - b) <= 2 for a, b in zip(rgb, band, strict=True))
               for band in BAND_COLOURS)


def active_cells(url: str) -> int:
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        count = conn.execute(text(
            "SELECT count(*) FROM grid_cells AS c JOIN grid_generations AS g "
            "ON c.generation_low <= g.id AND (c.generation_high IS NULL "
            "OR c.generation_high >= g.id) WHERE g.status = 'active'")).scalar_one()
    engine.dispose()
    return count


def test_the_map_draws_the_demo_cells_in_band_colours_from_onegrid_alone(
        page, demo_url, small_demo_url):
    seen = watch(page)
    page.goto(f"{demo_url}/map")
    # the view settles on the towns: every cell of the demo is in it
    cells = active_cells(small_demo_url)
    assert cells > 1
    shown = page.locator("#cells-shown")
    expect(shown).to_have_text(f"{cells} / {cells} 个网格在视图中", timeout=WAIT_MS)
    drawn = page.locator(f"#map[data-cells-drawn='{cells}']")
    expect(drawn).to_be_attached(timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")

    pixels = page.evaluate(CANVAS_PIXELS)
    # the cells cover most of the view they were fitted to, filled in a band's colour
    assert pixels["painted"] > pixels["total"] * 0.2, pixels["painted"]
    in_band = sum(n for key, n in pixels["colours"].items()
                  if is_band_colour(tuple(map(int, key.split(",")))))
    assert in_band > pixels["painted"] * 0.3, sorted(
        pixels["colours"].items(), key=lambda kv: -kv[1])[:5]

    local = urlsplit(demo_url).netloc
    outside = [u for u in seen["requests"] if urlsplit(u).netloc != local
               and not u.startswith(("data:", "blob:"))]
    assert outside == []
    assert any("/cells?" in u for u in seen["requests"])  # drawn from onegrid's own API
    assert page.evaluate("window.__cspViolations") == [] and seen["refused"] == []


def test_cells_switched_off_are_not_drawn(page, demo_url):
    page.goto(f"{demo_url}/map")
    expect(page.locator("#map[data-cells-drawn]")).to_be_attached(timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")
    page.uncheck("#layer-cells")
    page.wait_for_timeout(200)  # Leaflet removes the canvas with its last layer
    pixels = page.evaluate("""() => {
      const canvas = document.querySelector(".leaflet-overlay-pane canvas");
      if (!canvas) return 0;
      const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]) painted += 1;
      return painted;
    }""")
    assert pixels == 0


def test_the_editor_shows_the_demo_grid_as_cells_before_any_draft(page, demo_url,
                                                                  small_demo_url):
    seen = watch(page)
    page.goto(f"{demo_url}/editor")
    cells = active_cells(small_demo_url)
    # no draft yet: the active generation, read only, every cell of the towns' view drawn
    expect(page.locator("#create-draft")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#map")).to_have_attribute("data-cells", str(cells), timeout=WAIT_MS)
    paths = page.locator("path.cell")
    expect(paths).to_have_count(cells)
    fills = {p.get_attribute("fill") for p in paths.all()}
    assert fills and fills <= {"#f4d35e", "#2a9d8f", "#e63946"}, fills
    page.wait_for_load_state("networkidle")
    local = urlsplit(demo_url).netloc
    assert [u for u in seen["requests"] if urlsplit(u).netloc != local] == []
