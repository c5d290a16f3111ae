"""Row-level security per transaction: SET LOCAL ROLE onegrid_app and the caller's area.

A session opts in with `scope_session(session, principal)`. From then on every
transaction it begins (and the one already open) runs as the unprivileged role with the
area settings the 0003_rls policies read. `principal=None` means "not yet known": the
transaction sees no area-bound rows until the caller is authenticated (fail closed).

The test `db` session never opts in: it connects as the superuser, which bypasses RLS,
so fixtures can build any data."""
from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import rls_settings

APP_ROLE = "onegrid_app"  # created by migrations/sql/0003_rls_upgrade.sql
_KEY = "onegrid.rls"  # session.info key: the settings to apply on each transaction

_SET_CONFIG = text(
    "SELECT set_config('onegrid.scope_all', :all, true), "
    "set_config('onegrid.scope_prefixes', :prefixes, true), "
    "set_config('onegrid.scope_cells', :cells, true)")
# The caller's cell ids, resolved once for the transaction into onegrid.scope_cell_ids:
# the policies compare with that array (an index condition), not a per-row subquery.
_RESOLVE = text("SELECT onegrid_scope_resolve()")  # migrations/sql/0012_speed_upgrade.sql


def scope_session(session: Session, principal: Principal | None) -> None:
    """Run this session's transactions as onegrid_app limited to the principal's area."""
    first_time = _KEY not in session.info
    session.info[_KEY] = rls_settings(principal)
    if first_time:
        event.listen(session, "after_begin", _on_begin)
    if session.in_transaction():
        apply_to_connection(session.connection(), session.info[_KEY])


def is_scoped(session: Session) -> bool:
    """True when the session opted in to row-level security (requests do; tests' db not)."""
    return _KEY in session.info


def apply_to_connection(connection: Connection, settings: dict[str, str]) -> None:
    """SET LOCAL lasts until the transaction ends, so a pooled connection never keeps it."""
    connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")  # a constant, not a value
    connection.execute(_SET_CONFIG, {"all": settings["onegrid.scope_all"],
                                     "prefixes": settings["onegrid.scope_prefixes"],
                                     "cells": settings["onegrid.scope_cells"]})
    connection.execute(_RESOLVE)


def _on_begin(session: Session, transaction, connection: Connection) -> None:
    apply_to_connection(connection, session.info[_KEY])
