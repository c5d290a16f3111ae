"""/auth/token, /auth/refresh, /auth/me, API keys and /access-log over HTTP."""
from __future__ import annotations

import datetime as dt

import pytest

from api.deps import PrincipalDep, SessionDep
from gis.auth import keys, service
from gis.auth.access_log import log_person_read
from gis.auth.principal import Principal
from gis.errors import ReasonRequired
from tests.auth_fixtures import PASSWORD


@pytest.fixture()
def ann(make_user):
    return make_user("ann", "manager", password=PASSWORD)


def test_password_flow_gives_a_token_that_works(anon_client, ann):
    answer = anon_client.post("/auth/token", data={"username": "ann", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    me = anon_client.get("/auth/me",
                         headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "ann" and me.json()["roles"] == ["manager"]


def test_wrong_password_is_401_with_a_clear_message(anon_client, ann):
    answer = anon_client.post("/auth/token", data={"username": "ann", "password": "nope" * 3})
    assert answer.status_code == 401
    assert answer.json()["message"] == "wrong username or password"
    assert answer.headers["www-authenticate"] == "Bearer"


def test_refresh_gives_a_new_access_token(anon_client, ann):
    first = anon_client.post("/auth/token",
                             data={"username": "ann", "password": PASSWORD}).json()
    again = anon_client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 200
    token = again.json()["access_token"]
    assert anon_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}
                           ).status_code == 200
    wrong_kind = anon_client.post("/auth/refresh", json={"refresh_token": token})
    assert wrong_kind.status_code == 401


def test_a_reused_refresh_token_is_refused_and_the_log_in_ends(anon_client, db, ann):
    first = anon_client.post("/auth/token",
                             data={"username": "ann", "password": PASSWORD}).json()
    second = anon_client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    reused = anon_client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and "already used" in reused.json()["message"]
    # the revocation was committed with the 401, so the successor is dead as well
    after = anon_client.post("/auth/refresh",
                             json={"refresh_token": second.json()["refresh_token"]})
    assert after.status_code == 401 and "revoked" in after.json()["message"]


def test_logout_ends_the_log_in(anon_client, ann):
    pair = anon_client.post("/auth/token",
                            data={"username": "ann", "password": PASSWORD}).json()
    assert anon_client.post("/auth/logout",
                            json={"refresh_token": pair["refresh_token"]}).status_code == 204
    again = anon_client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401 and "revoked" in again.json()["message"]


def test_disabling_a_user_locks_out_their_live_token(db, auth_client, ann):
    client = auth_client("ann")
    assert client.get("/auth/me").status_code == 200
    service.set_active(db, username="ann", active=False)
    assert client.get("/auth/me").status_code == 401


def test_api_key_authenticates_with_its_narrowed_permissions(db, make_user, key_client):
    user = make_user("hotline", "dispatcher", regions=())
    _, plain = keys.create_api_key(db, user=user, name="12345", permissions=["cells:read"],
                                   allowed=frozenset({"cells:read", "regions:read"}))
    client = key_client(plain)
    me = client.get("/auth/me").json()
    assert me["via"] == "api_key" and me["permissions"] == ["cells:read"]
    assert client.get("/regions").status_code == 403
    row = keys.list_api_keys(db, user=user)[0]
    assert row.last_used_at is not None
    keys.revoke_api_key(db, key_id=row.id)
    assert client.get("/auth/me").status_code == 401


def test_dev_mode_does_not_cover_proxied_requests(client):
    assert client.get("/auth/me").status_code == 200
    assert client.get("/auth/me", headers={"X-Forwarded-For": "203.0.113.9"}
                      ).status_code == 401


def reader(name: str, role: str = "grid_worker") -> Principal:
    return Principal(username=name, roles=frozenset({role}))


def test_sensitive_reads_need_a_reason(db):
    with pytest.raises(ReasonRequired, match="X-Access-Reason"):
        log_person_read(db, principal=reader("ann"), subject_type="special_population",
                        ids=[1], reason=None, client=None)
    with pytest.raises(ReasonRequired):
        log_person_read(db, principal=reader("api", "integration"), subject_type="person",
                        ids=[1], reason="  \u200b ", client=None)
    entry = log_person_read(db, principal=reader("ann"), subject_type="person", ids=[3, 1, 3],
                            reason=None, client="1.2.3.4 curl")
    assert entry.subject_ids == [1, 3] and entry.reason is None


def test_auditor_searches_the_log_by_user_subject_and_time(db, make_user, auth_client):
    for name, ids in (("ann", [1, 2]), ("bob", [2]), ("ann", [7])):
        log_person_read(db, principal=reader(name), subject_type="special_population",
                        ids=ids, reason="家访 home visit", client="test")
    make_user("audrey", "auditor")
    client = auth_client("audrey")
    by_ann = client.get("/access-log", params={"username": "ann", "count": "true"}).json()
    assert by_ann["numberMatched"] == 2 and by_ann["items"][0]["subject_ids"] == [7]
    assert by_ann["items"][0]["reason"] == "家访 home visit"
    about_2 = client.get("/access-log", params={"subject_id": 2}).json()
    assert sorted(i["username"] for i in about_2["items"]) == ["ann", "bob"]
    paged = client.get("/access-log", params={"limit": 1, "offset": 1, "count": "true"}).json()
    assert paged["numberMatched"] == 3 and paged["numberReturned"] == 1
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert client.get("/access-log", params={"since": later, "count": "true"}
                      ).json()["numberMatched"] == 0
    pages, url = [], "/access-log?limit=2"
    while url:  # keyset: newest first, each entry once
        page = client.get(url).json()
        pages.append([i["subject_ids"] for i in page["items"]])
        url = page["next"]
    assert pages == [[[7], [2]], [[1, 2]]]


def test_reason_header_is_read_percent_decoded(app, client):
    from starlette.requests import Request

    from api.auth import access_context

    scope = {"type": "http", "headers": [(b"x-access-reason", b"%E5%AE%B6%E8%AE%BF")],
             "query_string": b"", "client": ("127.0.0.1", 1)}
    assert access_context(Request(scope)).reason == "家访"


def test_production_session_path_runs_as_the_app_role(settings, logins):
    """No session override: the real service logs in as the app role, never the owner."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text as sql

    from api.app import create_app

    application = create_app(settings)

    @application.get("/_whoami_test")
    def whoami(session: SessionDep, principal: PrincipalDep) -> dict:
        row = session.execute(sql("SELECT current_user AS role, "
                                  "current_setting('onegrid.scope_all') AS scope_all")).one()
        return {"role": row.role, "scope_all": row.scope_all}

    with TestClient(application) as c:
        assert c.get("/_whoami_test").json() == {"role": logins.names.app, "scope_all": "on"}
        assert c.get("/regions").status_code == 200
