"""A burst of requests larger than the connection pool queues for connections without
holding worker threads, so it never deadlocks (api/deps.py get_session): every request
is answered, none with a pool time-out.

Before: each sync dependency took a thread, then waited there for a connection; with as
many waiting threads as the threadpool has, the requests that held the connections found
no thread to run their handler on, and everything stalled until the pool's time-out
(the consoles reconnecting at once after a restart met this)."""
from __future__ import annotations

import asyncio

import httpx

from tests.live_server import serving


def test_a_burst_bigger_than_the_pool_is_served(settings, committed_grid_url):
    from api.app import create_app

    settings.database.url = committed_grid_url
    settings.database.pool_size = 1  # two connections at most (pool + overflow)

    async def burst(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            answers = await asyncio.gather(*(client.get("/generations") for _ in range(80)))
        return [a.status_code for a in answers]

    with serving(create_app(settings)) as url:
        statuses = asyncio.run(burst(url))
    assert statuses == [200] * 80
