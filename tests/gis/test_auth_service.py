"""Passwords, tokens and API keys: log-in, expiry, revocation, wrong passwords."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest

from gis.auth import keys, passwords, service, sessions
from gis.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from tests.factories import TOWN

PASSWORD = "correct horse battery staple"


@pytest.fixture()
def security(settings):
    return settings.security


def test_password_is_stored_as_argon2id_never_in_clear(db):
    user = service.add_user(db, username="ann", password=PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_gives_tokens_that_identify_the_user(db, security):
    service.add_user(db, username="ann", password=PASSWORD, roles=("manager",))
    pair = service.login(db, security, username="ann", password=PASSWORD)
    principal = service.principal_for_token(db, security, token=pair.access_token)
    assert principal.username == "ann"
    assert principal.roles == {"manager"}
    assert principal.can("persons:read") and not principal.can("cells:write")
    assert pair.expires_in == security.access_token_minutes * 60


@pytest.mark.parametrize("username, password", [("ann", "wrong password!"),
                                                ("nobody", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_answer(db, security, username,
                                                             password):
    service.add_user(db, username="ann", password=PASSWORD)
    with pytest.raises(NotAuthenticated) as caught:
        service.login(db, security, username=username, password=password)
    assert caught.value.message == service.WRONG_LOGIN


def test_disabled_user_cannot_log_in_and_old_tokens_stop_working(db, security):
    service.add_user(db, username="ann", password=PASSWORD)
    pair = service.login(db, security, username="ann", password=PASSWORD)
    service.set_active(db, username="ann", active=False)
    with pytest.raises(NotAuthenticated):
        service.login(db, security, username="ann", password=PASSWORD)
    with pytest.raises(NotAuthenticated, match="no longer valid"):
        service.principal_for_token(db, security, token=pair.access_token)


def test_password_change_invalidates_refresh_tokens(db, security):
    service.add_user(db, username="ann", password=PASSWORD)
    pair = service.login(db, security, username="ann", password=PASSWORD)
    service.set_password(db, username="ann", password="another long password")
    with pytest.raises(NotAuthenticated, match="no longer valid"):
        service.refresh(db, security, refresh_token=pair.refresh_token)


def test_expired_access_token_is_refused_and_refresh_gives_a_new_one(db, security):
    service.add_user(db, username="ann", password=PASSWORD)
    user = service.get_user(db, username="ann")
    old = sessions.start(db, security, user=user,
                         now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    with pytest.raises(NotAuthenticated, match="expired"):
        service.principal_for_token(db, security, token=old.access_token)
    fresh = service.refresh(db, security, refresh_token=old.refresh_token)
    assert service.principal_for_token(db, security, token=fresh.access_token).username == "ann"


def test_tokens_of_the_wrong_kind_or_key_or_algorithm_are_refused(db, security):
    service.add_user(db, username="ann", password=PASSWORD)
    pair = service.login(db, security, username="ann", password=PASSWORD)
    with pytest.raises(NotAuthenticated, match="refresh token was given"):
        service.principal_for_token(db, security, token=pair.refresh_token)
    with pytest.raises(NotAuthenticated, match="access token was given"):
        service.refresh(db, security, refresh_token=pair.access_token)
    claims = jwt.decode(pair.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "someone-elses-secret-key-of-32-chars!", algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned, "not.a.token"):
        with pytest.raises(NotAuthenticated, match="not valid"):
            service.principal_for_token(db, security, token=token)


def test_short_passwords_and_bad_usernames_are_refused(db):
    with pytest.raises(InvalidInput, match="at least"):
        service.add_user(db, username="ann", password="short")
    with pytest.raises(InvalidInput, match="username"):
        service.add_user(db, username="ann smith", password=PASSWORD)
    service.add_user(db, username="ann")
    with pytest.raises(Conflict, match="already exists"):
        service.add_user(db, username="ann")


def test_api_key_is_shown_once_stored_hashed_and_narrows_permissions(db):
    user = service.add_user(db, username="hotline", roles=("dispatcher",))
    _, perms = service.user_permissions(db, user=user)
    row, plain = keys.create_api_key(db, user=user, name="12345 hotline",
                                     permissions=["incidents:write"], allowed=perms)
    assert plain.startswith("og_" + row.key_prefix + "_")
    assert plain not in (row.key_hash, row.key_prefix) and len(row.key_hash) == 64
    principal = service.principal_for_api_key(db, key=plain)
    assert principal.via == "api_key"
    assert principal.can("incidents:write") and not principal.can("incidents:read")
    with pytest.raises(InvalidInput, match="does not hold"):
        keys.create_api_key(db, user=user, name="too much", permissions=["persons:read"],
                            allowed=perms)


def test_revoked_key_and_unknown_key_are_refused(db):
    user = service.add_user(db, username="camera", roles=("integration",))
    row, plain = keys.create_api_key(db, user=user, name="cam", permissions=["cells:read"],
                                     allowed=frozenset({"cells:read"}))
    keys.revoke_api_key(db, key_id=row.id)
    for key in (plain, plain[:-1] + "x", "og_nonsense"):
        with pytest.raises(NotAuthenticated, match="API key is not valid"):
            service.principal_for_api_key(db, key=key)


def test_scopes_load_into_the_principal_and_unscoped_users_see_nowhere(db, two_cells):
    service.add_user(db, username="town", roles=("manager",))
    service.add_scope(db, username="town", code=TOWN)
    service.add_user(db, username="lost", roles=("grid_worker",))
    town = service.load_principal(db, user=service.get_user(db, username="town"))
    lost = service.load_principal(db, user=service.get_user(db, username="lost"))
    assert town.region_codes == (TOWN,) and not town.unrestricted
    assert lost.nowhere and not lost.unrestricted
    with pytest.raises(NotFound, match="no region"):
        service.add_scope(db, username="town", code="500151099000")
    with pytest.raises(InvalidInput, match="neither"):
        service.add_scope(db, username="town", code="５００１５１００１０００")


def test_verify_password_handles_garbage_hashes():
    assert not passwords.verify_password("not-a-hash", PASSWORD)
    assert not passwords.verify_password(None, PASSWORD)
    assert not passwords.verify_password(passwords.hash_password(PASSWORD), "x" * 10_000)
