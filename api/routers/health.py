"""/healthz: is the database reachable, and which PostGIS does it run."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from api.deps import SessionDep
from gis import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: SessionDep) -> JSONResponse:
    try:
        row = session.execute(text(
            "SELECT version() AS pg, postgis_full_version() AS postgis")).one()
    except OperationalError as exc:
        return JSONResponse({"status": "error", "database": str(exc.orig)}, status_code=503)
    revision = migrate.current_revision(session)
    head = migrate.head_revision()
    ok = revision == head
    return JSONResponse({
        "status": "ok" if ok else "degraded",
        "database": row.pg.split(" on ")[0],
        "postgis": row.postgis.split('"')[1] if '"' in row.postgis else row.postgis,
        "schema_revision": revision, "expected_revision": head,
    }, status_code=200 if ok else 503)
