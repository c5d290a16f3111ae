"""Security headers on every response: pages, JSON, errors, static files, /locate's lane."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api import deps
from api.app import create_app
from api.security_headers import basemap_origin, content_security_policy

STRICT = {
    "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
    "x-frame-options": "DENY", "cross-origin-opener-policy": "same-origin",
}


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize("path", ["/", "/map", "/healthz", "/regions?level=town",
                                  "/static/js/map.js", "/no/such/page",
                                  "/locate?lon=0.5&lat=0.5", "/locate?lon=nope"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in STRICT.items():
        assert response.headers[name] == value, (path, name)
    assert "geolocation=(self)" in response.headers["permissions-policy"]
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["connect-src"] == "'self'"


def test_an_oversized_body_is_refused_with_the_headers_too(client):
    response = client.post("/auth/refresh", content=b"{}",
                           headers={"Content-Length": str(10**12)})
    assert response.status_code == 413
    assert response.headers["x-frame-options"] == "DENY"


def test_the_configured_basemap_may_serve_images(settings):
    settings.server.basemap_url = "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"
    with TestClient(create_app(settings)) as c:
        policy = directives(c.get("/map").headers["content-security-policy"])
    assert policy["img-src"] == "'self' data: https://*.tiles.example.cn"
    assert policy["script-src"] == "'self'"


def test_basemap_origin_ignores_what_is_not_a_web_origin():
    assert basemap_origin("") == ""
    assert basemap_origin("javascript:alert(1)") == ""
    assert basemap_origin("http://10.0.0.5:8080/t/{z}/{x}/{y}.png") == "http://10.0.0.5:8080"
    assert "'unsafe-inline'" not in content_security_policy()


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_allow_only_the_server_and_their_own_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response.headers["content-security-policy"])
    scripts = policy["script-src"].split()
    assert scripts[0] == "'self'" and "'unsafe-inline'" not in scripts
    assert all(s.startswith("'sha256-") for s in scripts[1:])  # /docs has one, /redoc none
    assert not any("http" in value for value in policy.values()), policy
    assert int(response.headers["content-length"]) == len(response.content)
    assert "/static/vendor/" in response.text and "cdn.jsdelivr" not in response.text


def test_the_map_page_escapes_what_it_is_given(settings):
    settings.server.basemap_url = 'http://x/"><script>alert(1)</script>'
    with TestClient(create_app(settings)) as c:
        page = c.get("/map").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_healthz_does_not_tell_callers_why_the_database_is_down(app, caplog):
    # a real connection attempt to a port nobody listens on, with a password in the URL
    dead = create_engine("postgresql+psycopg://spy:secret@127.0.0.1:1/onegrid")

    def unreachable():
        with Session(dead) as session:
            yield session

    app.dependency_overrides[deps.get_session] = unreachable
    with TestClient(app) as c:
        response = c.get("/healthz")
    dead.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "database unavailable"}
    assert "127.0.0.1" in caplog.text  # the details are in the server's log
