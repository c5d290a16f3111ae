"""Migration 0010_idhash_unique: one person per ID number, and stored duplicates named.

Runs on its own committed database (tests/committed_fixtures.py): it moves the schema
below and back above the migration."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gis import migrate
from gis.db import sqlalchemy_url
from gis.people.idnumbers import IdProtector
from tests.people_fixtures import TEST_SECRET, make_id

REVISION = "0010_idhash_unique"
BEFORE = f"{REVISION}-1"  # relative: stays right when the chain is re-ordered


def add_persons(url: str, *numbers: str) -> list[int]:
    engine = create_engine(sqlalchemy_url(url))
    protector = IdProtector(TEST_SECRET)
    try:
        with engine.begin() as conn:
            return [conn.execute(text(
                "INSERT INTO persons (name, id_hash, id_cipher, id_masked) "
                "VALUES ('某人', :id_hash, :id_cipher, :id_masked) RETURNING id"),
                protector.protect(n)).scalar_one() for n in numbers]
    finally:
        engine.dispose()


@pytest.fixture()
def app_role(logins) -> str:
    """The committed database's service role (named, not derived: see committed_fixtures)."""
    return logins.names.app


def run(url: str, sql: str, **params) -> None:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def test_stored_duplicates_stop_the_upgrade_with_their_person_ids(committed_grid_url, app_role):
    migrate.downgrade(committed_grid_url, BEFORE, app_role=app_role)
    first, second, _, other = add_persons(committed_grid_url, make_id(seq="111"),
                                          make_id(seq="111"), make_id(seq="113"),
                                          make_id(seq="111"))
    with pytest.raises(DBAPIError) as caught:
        migrate.upgrade(committed_grid_url, app_role=app_role)
    diag = caught.value.orig.diag
    assert diag.message_primary == ("persons: 1 ID numbers are each registered to more "
                                    "than one person")
    assert f"({first}, {second}, {other})" in diag.message_detail
    assert "keep one person per ID number" in diag.message_hint

    run(committed_grid_url, "DELETE FROM persons WHERE id IN (:a, :b)", a=second, b=other)
    migrate.upgrade(committed_grid_url, app_role=app_role)
    with pytest.raises(IntegrityError, match="ux_persons_id_hash"):
        add_persons(committed_grid_url, make_id(seq="111"))
    add_persons(committed_grid_url, make_id(seq="115"))


def test_downgrade_keeps_a_plain_index_and_allows_duplicates_again(committed_grid_url,
                                                                   app_role):
    migrate.downgrade(committed_grid_url, BEFORE, app_role=app_role)
    add_persons(committed_grid_url, make_id(seq="111"), make_id(seq="111"))
    engine = create_engine(sqlalchemy_url(committed_grid_url))
    try:
        with engine.connect() as conn:
            indexes = set(conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'persons'")).scalars())
    finally:
        engine.dispose()
    assert "ix_persons_id_hash" in indexes and "ux_persons_id_hash" not in indexes
