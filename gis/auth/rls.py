"""Row-level security per transaction: the caller's area in transaction-local settings.

The service logs in as the app role (gis/db_roles.py), which row-level security always
applies to and which cannot switch to another role. A session opts in with
`scope_session(session, principal)`: every transaction it begins (and the one already
open) carries the area settings the 0003_rls policies read. `principal=None` means "not
yet known": the transaction sees no area-bound rows until the caller is authenticated
(fail closed).

The test suite's `db` session connects as a superuser to build fixtures; its `rls_db`
fixture passes `as_role` to step down to the app role inside that one transaction."""
from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import rls_settings
from gis.db_roles import quote_ident

_KEY = "onegrid.rls"  # session.info key: the settings to apply on each transaction
_ROLE_KEY = "onegrid.rls_role"  # tests only: the role a superuser session steps down to

# The caller's area, then its cell ids resolved once for the transaction into
# onegrid.scope_cell_ids (migrations/sql/0012_speed_upgrade.sql): the policies compare
# with that array (an index condition), not a per-row subquery. One statement, one round
# trip: the FROM subquery (volatile, so never flattened) sets the area before the outer
# SELECT resolves it.
_SET_CONFIG = text(
    "SELECT onegrid_scope_resolve() FROM ("
    "SELECT set_config('onegrid.scope_all', :all, true), "
    "set_config('onegrid.scope_prefixes', :prefixes, true), "
    "set_config('onegrid.scope_cells', :cells, true)) AS area")


def scope_session(session: Session, principal: Principal | None, *,
                  as_role: str | None = None) -> None:
    """Limit this session's transactions to the principal's area."""
    first_time = _KEY not in session.info
    session.info[_KEY] = rls_settings(principal)
    if as_role:
        session.info[_ROLE_KEY] = as_role
    if first_time:
        event.listen(session, "after_begin", _on_begin)
    if session.in_transaction():
        apply_to_connection(session.connection(), session.info[_KEY],
                            as_role=session.info.get(_ROLE_KEY))


def is_scoped(session: Session) -> bool:
    """True when the session opted in to row-level security (requests do; tests' db not)."""
    return _KEY in session.info


def apply_to_connection(connection: Connection, settings: dict[str, str], *,
                        as_role: str | None = None) -> None:
    """set_config(..., true) lasts until the transaction ends: a pooled connection never
    keeps it."""
    if as_role:
        connection.exec_driver_sql(f"SET LOCAL ROLE {quote_ident(as_role)}")
    connection.execute(_SET_CONFIG, {"all": settings["onegrid.scope_all"],
                                     "prefixes": settings["onegrid.scope_prefixes"],
                                     "cells": settings["onegrid.scope_cells"]})


def _on_begin(session: Session, transaction, connection: Connection) -> None:
    apply_to_connection(connection, session.info[_KEY], as_role=session.info.get(_ROLE_KEY))
