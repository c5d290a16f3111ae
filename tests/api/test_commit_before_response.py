"""A write's transaction is committed before its answer leaves (api/deps.py SessionDep):
a client that reads straight after a 200 sees what it wrote."""
from __future__ import annotations

import httpx
from shapely.geometry import box, mapping

from tests.factories import VILLAGE
from tests.live_server import serving

WEST = VILLAGE + "001"


def test_a_read_straight_after_a_write_sees_it(settings, committed_grid_url):
    from api.app import create_app

    settings.database.url = committed_grid_url
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as client:
        draft = client.post("/generations", json={"name": "draft"}).json()["id"]
        # With the commit after the answer, about one read in ten saw the old name here.
        seen = []
        for n in range(40):
            answer = client.put(f"/generations/{draft}/cells/{WEST}", json={
                "type": "Feature", "geometry": mapping(box(0, 0, 1, 1)),
                "properties": {"name": f"name {n}"}})
            assert answer.status_code == 200, answer.text
            seen.append(client.get(f"/cells/{WEST}", params={"generation": draft})
                        .json()["properties"]["name"])
        assert seen == [f"name {n}" for n in range(40)]
