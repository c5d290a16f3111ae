"""The service rides through a restart of its database: 503 while it is down, then the
same URL again (the embedded cluster keeps its port) and fresh connections."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gis import migrate
from gis.cluster import EmbeddedCluster


@pytest.fixture()
def own_cluster(tmp_path) -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(tmp_path / "pg", durable=False)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_requests_succeed_again_after_the_cluster_restarts(own_cluster, settings):
    from api.app import create_app

    migrate.upgrade(own_cluster.url())
    settings.database.url, settings.database.app_url = own_cluster.url(), own_cluster.app_url()
    port = own_cluster.status().port
    with TestClient(create_app(settings)) as client:
        assert client.get("/regions").status_code == 200
        # an empty grid: "no cell here" is the database's answer (the asyncpg pool)
        assert client.get("/locate", params={"lon": 1, "lat": 1}).status_code == 404
        own_cluster.stop()
        down = client.get("/regions")
        assert down.status_code == 503
        assert down.json()["error"] == "DatabaseUnavailable"
        assert "Traceback" not in down.text
        assert client.get("/locate", params={"lon": 1, "lat": 1}).status_code == 503
        own_cluster.start()
        assert own_cluster.status().port == port  # the same URL for every running client
        assert client.get("/regions").status_code == 200
        assert client.get("/locate", params={"lon": 1, "lat": 1}).status_code == 404
