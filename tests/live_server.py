"""A real uvicorn server on a free local port, in a thread, for tests that need sockets."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serving(app, **config) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) until the block ends; yields the base URL.

    `config` goes to uvicorn.Config (e.g. http=the protocol `onegrid serve` uses)."""
    options = {"host": "127.0.0.1", "port": 0, "log_config": None, "access_log": False,
               "lifespan": "on", **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        while not server.started:  # start-up: lifespan (pool, /locate index), then bind
            if not thread.is_alive():
                raise RuntimeError("the test server did not start (see the log above)")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
