"""Twenty planners redraw one cell at the same moment: no lost update, no 500.

The app runs on the committed two-cell grid of tests/committed_fixtures.py (no shared test
session), so each request has a connection and a transaction of its own, as in production.
The threads wait at a barrier and then send together; which one the database serves first
is up to it, and the assertions hold for every order."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, text

from api.app import create_app
from gis.db import sqlalchemy_url
from tests.factories import VILLAGE, add_own_household

WRITERS = 20
WEST = VILLAGE + "001"


@pytest.fixture()
def served(committed_grid_url, settings):
    settings.database.url = committed_grid_url
    settings.database.pool_size = WRITERS
    with TestClient(create_app(settings)) as client:
        yield client


def redraw_all(client: TestClient, draft: int, headers: dict) -> list:
    """Every writer gives the cell its own name (and a slightly different shape) at once."""
    barrier = Barrier(WRITERS)

    def write(n: int):
        body = {"type": "Feature", "properties": {"name": f"writer {n}"},
                "geometry": mapping(box(0, 0, 1 - 0.001 * n, 1))}
        barrier.wait()
        return n, client.put(f"/generations/{draft}/cells/{WEST}", json=body, headers=headers)

    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(write, range(1, WRITERS + 1)))


def history(url: str, draft: int) -> list[tuple]:
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT base_version, version, action FROM grid_cell_edits "
            "WHERE generation_id = :g AND code = :c ORDER BY id"), {"g": draft, "c": WEST}).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_same_if_match_one_wins_and_nineteen_are_told_why(served, committed_grid_url):
    draft = served.post("/generations", json={"name": "race"}).json()["id"]
    seen = served.get(f"/cells/{WEST}", params={"generation": draft}).headers["ETag"]

    results = redraw_all(served, draft, {"If-Match": seen})

    statuses = Counter(response.status_code for _, response in results)
    assert statuses == {200: 1, 409: WRITERS - 1}, [r.text for _, r in results]
    winner = next(n for n, response in results if response.status_code == 200)
    for _, response in results:
        if response.status_code == 409:
            body = response.json()
            assert body["error"] == "StaleEdit" and body["details"]["edited_by"] == "dev"
    cell = served.get(f"/cells/{WEST}", params={"generation": draft}).json()
    assert cell["properties"]["name"] == f"writer {winner}"
    assert len(history(committed_grid_url, draft)) == 1


def test_without_if_match_every_edit_lands_one_after_the_other(served, committed_grid_url):
    draft = served.post("/generations", json={"name": "queue"}).json()["id"]
    first = served.get(f"/cells/{WEST}", params={"generation": draft}).json()

    results = redraw_all(served, draft, {})

    assert Counter(r.status_code for _, r in results) == {200: WRITERS}, [
        r.text for _, r in results if r.status_code != 200]
    for n, response in results:  # each writer got its own edit back
        assert response.json()["properties"]["name"] == f"writer {n}"
    # The history is one chain: each edit replaced the version the edit before it wrote,
    # starting from the version every writer read. A lost update would be a fork.
    edits = history(committed_grid_url, draft)
    assert len(edits) == WRITERS
    assert [base for base, _, _ in edits] == [
        first["properties"]["version"], *[version for _, version, _ in edits[:-1]]]
    last = max(results, key=lambda r: r[1].json()["properties"]["version"])
    cell = served.get(f"/cells/{WEST}", params={"generation": draft}).json()
    assert cell["properties"]["name"] == f"writer {last[0]}"
    assert cell["properties"]["version"] == edits[-1][1]


def test_twenty_household_edits_at_once(served, committed_grid_url):
    """The same for a people row: one If-Match wins once; without it, all twenty land."""
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    with engine.begin() as conn:
        cell = conn.scalar(text("SELECT id FROM grid_cells WHERE code = :c"), {"c": WEST})
        household = add_own_household(conn, cell_id=cell, address="old road 1")
    engine.dispose()
    url = f"/households/{household}"
    seen = served.get(url).headers["ETag"]

    def patch_all(headers: dict) -> Counter:
        barrier = Barrier(WRITERS)

        def write(n: int):
            barrier.wait()
            return served.patch(url, json={"members": n}, headers=headers).status_code

        with ThreadPoolExecutor(WRITERS) as pool:
            return Counter(pool.map(write, range(1, WRITERS + 1)))

    assert patch_all({"If-Match": seen}) == {200: 1, 409: WRITERS - 1}
    assert patch_all({}) == {200: WRITERS}
    assert served.get(url).json()["version"] == 1 + 1 + WRITERS
