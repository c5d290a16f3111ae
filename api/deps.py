"""Typed FastAPI dependencies: settings, the request's session (its transaction), the caller."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api import auth
from gis.auth import rls
from gis.auth.principal import Principal
from gis.db import unit_of_work
from gis.settings import Settings


async def get_settings(request: Request) -> Settings:
    """async: an attribute read needs no worker thread (a sync dependency costs a trip to
    the threadpool and back, each waiting for the GIL while other requests run Python)."""
    return request.app.state.settings


async def session_slot(request: Request) -> AsyncIterator[None]:
    """Wait, without holding a worker thread, until the pool has a connection for this
    request. A sync dependency that waited for a connection would hold one of the
    threadpool's threads meanwhile; a burst bigger than the pool (200 consoles reconnecting
    after a restart) then filled every thread with waiters, and the requests holding the
    connections found no thread left to run their handlers on: a stall until the pool's
    time-out. With as many slots as connections (pool + overflow), a request takes a thread
    only once its connection is sure."""
    slots = getattr(request.app.state, "session_slots", None)
    if slots is None:
        yield
        return
    async with slots:
        yield


def get_session(request: Request,
                _slot: Annotated[None, Depends(session_slot, scope="function")] = None,
                ) -> Iterator[Session]:
    """The request owns the transaction: commit after the handler returns, roll back on error."""
    with unit_of_work(request.app.state.session_factory) as session:
        # Row-level security: the area is empty until get_principal says who is asking.
        rls.scope_session(session, None)
        yield session


# scope="function": the transaction ends (commit or roll back) before the response is
# sent, so a client reading straight after a 200 sees the write, and a failed commit is an
# error answer, not a 200 for a write that never happened. (FastAPI's default for a yield
# dependency ends it after the response is sent.) One Depends, so handler and
# get_principal share one session (the scope is part of FastAPI's dependency cache key).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(request: Request, session: SessionDep,
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
PrincipalDep = Annotated[Principal, Depends(get_principal)]
