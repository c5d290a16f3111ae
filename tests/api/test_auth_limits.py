"""Request size cap: declared and streamed (chunked) bodies over the limit get 413."""
from __future__ import annotations

import pytest

from api.limits import BodySizeLimit


@pytest.fixture()
def small_app(app):
    """The real app with a 1 kB cap (the middleware stack is built on first request)."""
    for middleware in app.user_middleware:
        if middleware.cls is BodySizeLimit:
            middleware.kwargs["max_bytes"] = 1024
    return app


def test_declared_oversized_body_is_refused_before_reading(small_app, client):
    answer = client.post("/auth/token", content=b"x" * 2048,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert "over the limit of 1024 bytes" in answer.json()["message"]


def test_streamed_body_without_length_is_counted(small_app, client):
    def chunks():
        for _ in range(10):
            yield b"username=" + b"a" * 300

    answer = client.post("/auth/token", content=chunks(),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert answer.json()["error"] == "PayloadTooLarge"


def test_small_bodies_pass(small_app, client):
    answer = client.post("/auth/refresh", json={"refresh_token": "x"})
    assert answer.status_code == 401
