"""Headless Chromium (Debian's chromium, driven by Playwright) against a live onegrid.

The server runs in a thread on a free port over a committed database (tests/
committed_fixtures.py), so its own connections see the data; the browser never downloads
anything of its own (executable_path) and the tests skip only when chromium is missing."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from gis.db import sqlalchemy_url
from gis.ingest.layers import LegacyRow, store
from tests.auth_fixtures import PASSWORD
from tests.live_server import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
# A name an attacker could import: markup that runs script if it reaches innerHTML.
HOSTILE_NAME = "<img src=x onerror=window.__xss=1>"


@pytest.fixture(scope="package")
def browser():
    """One Chromium for tests/browser; gone before other packages run, because Playwright's
    sync API keeps an event loop running in this thread while it is open."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (scripts/bootstrap.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so `page` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture()
def page(browser, request, tmp_path):
    """A fresh tab; when the test fails, a screenshot of it is left in the test's tmp dir."""
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        tab.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failed page: {shot}")
    context.close()


@pytest.fixture()
def hostile_grid(committed_grid_url) -> dict:
    """The committed two-cell grid, its regions and cells named with markup, plus a layer."""
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with Session(engine) as session, session.begin():
        session.execute(text("UPDATE regions SET name = :name"), {"name": HOSTILE_NAME})
        session.execute(text("UPDATE grid_cells SET name = :name"), {"name": HOSTILE_NAME})
        rows = [LegacyRow(index=0, source_code=HOSTILE_NAME, name=HOSTILE_NAME,
                          attributes={}, geom=box(0, 0, 1, 1))]
        layer = store(session, department=HOSTILE_NAME, name=HOSTILE_NAME,
                      source_file="old.geojson", crs_label="EPSG:4326 WGS 84", rows=rows)
    engine.dispose()
    return {"url": committed_grid_url, "layer": layer}


@pytest.fixture()
def live_url(settings, hostile_grid) -> Iterator[str]:
    """onegrid itself, serving the hostile grid on a free local port (dev mode: admin)."""
    from api.app import create_app

    settings.database.url = hostile_grid["url"]
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture()
def strict_live_url(settings, hostile_grid) -> Iterator[str]:
    """As live_url, with dev mode off and one user, ann (a manager), to log in as."""
    from api.app import create_app
    from gis.auth import service

    engine = create_engine(sqlalchemy_url(hostile_grid["url"]))
    with Session(engine) as session, session.begin():
        service.add_user(session, username="ann", password=PASSWORD, roles=("manager",))
    engine.dispose()
    settings.database.url = hostile_grid["url"]
    settings.security.dev_mode = False
    with serving(create_app(settings)) as url:
        yield url
