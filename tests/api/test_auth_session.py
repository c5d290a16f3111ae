"""/auth/session: the pages' log-in keeps its refresh token where no script can read it."""
from __future__ import annotations

import pytest

from tests.auth_fixtures import PASSWORD


@pytest.fixture()
def ann(make_user):
    return make_user("ann", "manager", password=PASSWORD)


def log_in(client):
    return client.post("/auth/session", data={"username": "ann", "password": PASSWORD})


def test_log_in_puts_the_refresh_token_in_an_httponly_cookie_only(anon_client, ann):
    answer = log_in(anon_client)
    assert answer.status_code == 200, answer.json()
    assert "refresh_token" not in answer.json()  # nothing a page script could carry away
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("onegrid_refresh=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/auth/session"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # plain http here; over https it is Secure
    token = answer.json()["access_token"]
    me = anon_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "ann"


def test_the_cookie_is_secure_over_https(app, strict_settings, ann):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as client:
        assert "secure" in log_in(client).headers["set-cookie"].lower()


def test_the_cookie_renews_the_access_token_and_rotates(anon_client, ann):
    log_in(anon_client)
    first = anon_client.cookies["onegrid_refresh"]
    renewed = anon_client.post("/auth/session/refresh")
    assert renewed.status_code == 200 and "refresh_token" not in renewed.json()
    assert anon_client.cookies["onegrid_refresh"] != first
    token = renewed.json()["access_token"]
    assert anon_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}
                           ).status_code == 200


def test_no_cookie_is_a_clear_401(anon_client):
    answer = anon_client.post("/auth/session/refresh")
    assert answer.status_code == 401
    assert "no session cookie" in answer.json()["message"]


def test_log_out_ends_the_log_in_and_clears_the_cookie(anon_client, ann):
    log_in(anon_client)
    spent = anon_client.cookies["onegrid_refresh"]
    out = anon_client.post("/auth/session/logout")
    assert out.status_code == 204
    assert 'onegrid_refresh=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers[
        "set-cookie"]
    again = anon_client.post("/auth/refresh", json={"refresh_token": spent})
    assert again.status_code == 401


def test_non_browser_clients_still_get_json_tokens(anon_client, ann):
    body = anon_client.post("/auth/token",
                            data={"username": "ann", "password": PASSWORD}).json()
    assert body["refresh_token"] and body["access_token"]
