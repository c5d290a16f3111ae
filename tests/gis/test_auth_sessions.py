"""Refresh tokens: each works once, a reused one signs its log-in out, logout ends one."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from gis.auth import service, sessions, tokens
from gis.errors import NotAuthenticated
from tests.auth_fixtures import PASSWORD


@pytest.fixture()
def security(settings):
    return settings.security


@pytest.fixture()
def ann(db):
    return service.add_user(db, username="ann", password=PASSWORD)


def test_a_refresh_token_works_once_and_its_successor_works(db, security, ann):
    first = service.login(db, security, username="ann", password=PASSWORD)
    second = service.refresh(db, security, refresh_token=first.refresh_token)
    third = service.refresh(db, security, refresh_token=second.refresh_token)
    assert len({first.family, second.family, third.family}) == 1
    assert service.principal_for_token(db, security, token=third.access_token).username == "ann"


def test_a_reused_refresh_token_signs_the_whole_log_in_out(db, security, ann):
    first = service.login(db, security, username="ann", password=PASSWORD)
    other_device = service.login(db, security, username="ann", password=PASSWORD)
    stolen_copy = first.refresh_token
    legit = service.refresh(db, security, refresh_token=first.refresh_token)
    with pytest.raises(sessions.RefreshTokenReused, match="already used"):
        service.refresh(db, security, refresh_token=stolen_copy)
    with pytest.raises(NotAuthenticated, match="revoked"):  # the thief's victim too
        service.refresh(db, security, refresh_token=legit.refresh_token)
    # another log-in of the same user is not touched
    assert service.refresh(db, security, refresh_token=other_device.refresh_token)


def test_logout_ends_that_log_in_only(db, security, ann):
    here = service.login(db, security, username="ann", password=PASSWORD)
    there = service.login(db, security, username="ann", password=PASSWORD)
    assert service.logout(db, security, refresh_token=here.refresh_token) == 1
    with pytest.raises(NotAuthenticated, match="revoked"):
        service.refresh(db, security, refresh_token=here.refresh_token)
    assert service.refresh(db, security, refresh_token=there.refresh_token)


def test_a_validly_signed_refresh_token_the_server_never_stored_is_refused(db, security, ann):
    minted = tokens.issue_tokens(security, username="ann", password_hash=ann.password_hash)
    with pytest.raises(NotAuthenticated, match="not known here"):
        service.refresh(db, security, refresh_token=minted.refresh_token)


def test_signing_a_user_out_everywhere(db, security, ann):
    pairs = [service.login(db, security, username="ann", password=PASSWORD) for _ in range(2)]
    assert sessions.revoke_user(db, user=ann) == 2
    for pair in pairs:
        with pytest.raises(NotAuthenticated, match="revoked"):
            service.refresh(db, security, refresh_token=pair.refresh_token)


def test_expired_rows_are_forgotten_at_the_next_log_in(db, security, ann):
    sessions.start(db, security, user=ann, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    service.login(db, security, username="ann", password=PASSWORD)
    kept = db.execute(text("SELECT count(*) FROM refresh_tokens WHERE user_id = :u"),
                      {"u": ann.id}).scalar()
    assert kept == 1


def test_enabling_a_disabled_user_does_not_revive_old_log_ins(db, security, ann):
    pair = service.login(db, security, username="ann", password=PASSWORD)
    service.set_active(db, username="ann", active=False)
    service.set_active(db, username="ann", active=True)
    with pytest.raises(NotAuthenticated, match="revoked"):
        service.refresh(db, security, refresh_token=pair.refresh_token)
    assert service.login(db, security, username="ann", password=PASSWORD)
