"""The escalation sweeper as a background task of the app's lifespan.

Every API worker runs one; the advisory lock of gis.incidents.timers.sweep lets one of
them work per round and the others skip, so no case escalates twice. Deadlines are stored,
so a restart loses nothing: the first round after it escalates what fell due meanwhile.
The first round runs one interval after start-up."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from gis.incidents import sweeper

log = logging.getLogger("onegrid.incidents")


@asynccontextmanager
async def running(app: FastAPI):
    interval = app.state.settings.incidents.sweep_seconds
    if interval <= 0:
        yield
        return
    task = asyncio.create_task(_rounds(app, interval))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _rounds(app: FastAPI, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            result = await run_in_threadpool(sweeper.sweep_once, app.state.session_factory,
                                             settings=app.state.settings.incidents)
        except Exception:  # a database restart, say: the next round tries again
            log.warning("escalation sweep failed; retrying next round", exc_info=True)
            continue
        if result.escalated:
            log.info("escalated overdue cases", extra={"cases": result.escalated})
