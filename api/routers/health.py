"""/healthz: is the database reachable, which PostGIS does it run, is /locate's index current."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from api.deps import SessionDep
from gis import migrate

router = APIRouter(tags=["health"])
log = logging.getLogger("onegrid.api")


@router.get("/healthz")
def healthz(request: Request, session: SessionDep) -> JSONResponse:
    try:
        row = session.execute(text(
            "SELECT version() AS pg, postgis_full_version() AS postgis")).one()
    except OperationalError:
        # The driver's text names hosts, ports, users and files: for the log, not the caller.
        log.exception("/healthz: the database does not answer")
        return JSONResponse({"status": "error", "database": "database unavailable"},
                            status_code=503)
    revision = migrate.current_revision(session)
    head = migrate.head_revision()
    ok = revision == head
    live = getattr(request.app.state, "locate_index", None)  # api.locate_index
    return JSONResponse({
        "status": "ok" if ok else "degraded",
        "database": row.pg.split(" on ")[0],
        "postgis": row.postgis.split('"')[1] if '"' in row.postgis else row.postgis,
        "schema_revision": revision, "expected_revision": head,
        "locate_index": live.status() if live is not None else {"state": "off"},
    }, status_code=200 if ok else 503)
