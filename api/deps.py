"""Typed FastAPI dependencies: settings, the request's session (its transaction), the caller."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api import auth
from gis.auth import rls
from gis.auth.principal import Principal
from gis.db import unit_of_work
from gis.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit after the handler returns, roll back on error."""
    with unit_of_work(request.app.state.session_factory) as session:
        # Row-level security: the area is empty until get_principal says who is asking.
        rls.scope_session(session, None)
        yield session


# scope="function": the transaction ends (commit or rollback) when the handler returns,
# BEFORE the response is sent. FastAPI's default for a dependency with yield ends it after
# the response: a 201 went out before its commit (a client's next GET could miss the row,
# and a failing commit was still answered 201).
_SESSION = Depends(get_session, scope="function")


def get_principal(request: Request, session: Annotated[Session, _SESSION],
                  _bearer: Annotated[str | None, Depends(auth.bearer_scheme)] = None,
                  _api_key: Annotated[str | None, Depends(auth.api_key_scheme)] = None,
                  ) -> Principal:
    """The one authentication dependency every request passes through; sets the RLS area."""
    request.state.session = session
    principal = request.app.state.authenticator(request)
    if rls.is_scoped(session):
        rls.scope_session(session, principal)
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, _SESSION]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
