"""/incidents: report (located, routed, duplicates offered), the map's GeoJSON, a case with
its log, and the transitions of its life (If-Match for optimistic concurrency)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, StreamingResponse

from api import incident_feed
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.params import BBoxDep
from api.versions import IfMatchDep, based_on, set_etag
from gis.errors import DatabaseUnavailable, PermissionDenied
from gis.grid.tiles import MEDIA_TYPE
from gis.incidents import (
    catalogue_io,
    intake,
    map_layer,
    photos,
    relocate,
    service,
    workflow,
)
from gis.incidents.case_staff import case_staff
from gis.incidents.map_layer import IncidentFilter
from gis.incidents.schemas import IncidentReport, Relocation, TransitionRequest
from gis.people.common import export_bytes

router = APIRouter(tags=["incidents"])


def clock(request: Request) -> dt.datetime:
    """Now; tests may set app.state.clock to freeze it."""
    frozen = getattr(request.app.state, "clock", None)
    return frozen() if frozen else dt.datetime.now(dt.UTC)


@router.get("/incidents/categories", summary="The catalogue: categories, departments, "
            "triage (三事分流), time limits")
def list_categories(session: SessionDep, principal: PrincipalDep) -> list[dict]:
    principal.require("incidents:read")
    return service.categories(session)


@router.get("/incidents/categories/export", summary="The catalogue as CSV or XLSX")
def export_categories(session: SessionDep, principal: PrincipalDep, format: Annotated[
        str, Query(pattern="^(csv|xlsx)$")] = "csv") -> Response:
    principal.require("incidents:read")
    content, media_type = export_bytes(catalogue_io.export_rows(session), fmt=format,
                                       sheet="categories")
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="incident-categories.{format}"'})


@router.post("/incidents/categories/import", summary="Replace or add categories from CSV/XLSX "
             "(administrators; dry run unless commit=true)")
def import_categories(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
                      file: Annotated[UploadFile, File(description=".csv or .xlsx")],
                      commit: Annotated[bool, Form()] = False) -> dict:
    if "*" not in principal.permissions or not principal.unrestricted:
        # the catalogue serves every area: an administrator of one area may not change it
        raise PermissionDenied(f"{principal.username} may not change the incident catalogue "
                               "(administrators of the whole service only)")
    return catalogue_io.import_file(session, data=file.file.read(),
                                    filename=file.filename or "upload", commit=commit,
                                    limits=settings.imports)


@router.post("/incidents", status_code=201,
             summary="Report an incident: located, routed, probable duplicates offered")
def report(request: Request, session: SessionDep, principal: PrincipalDep,
           settings: SettingsDep, body: IncidentReport, response: Response) -> dict:
    principal.require("incidents:write")
    out = intake.report(session, principal=principal, data=body, settings=settings.incidents,
                        now=clock(request))
    set_etag(response, out["version"])
    response.headers["Location"] = f"/incidents/{out['id']}"
    return out


def incident_filter(
        status: Annotated[list[str] | None, Query(description="repeatable")] = None,
        category: Annotated[str | None, Query(max_length=64, description="code; "
                                              "includes its sub-categories")] = None,
        light: Annotated[str | None, Query(pattern="^(green|yellow|red)$")] = None,
        since: Annotated[dt.datetime | None, Query(description="reported at or after")] = None,
        until: Annotated[dt.datetime | None, Query(description="reported before")] = None,
) -> IncidentFilter:
    """The map layer's filters, shared by the GeoJSON and the vector tiles."""
    return IncidentFilter(statuses=tuple(status) if status else None, category=category,
                          light=light, since=since, until=until)


IncidentFilterDep = Annotated[IncidentFilter, Depends(incident_filter)]


@router.get("/incidents", summary="Incidents as GeoJSON for the map (keyset-paged)")
def list_incidents(
        request: Request, session: SessionDep, principal: PrincipalDep,
        where: IncidentFilterDep, bbox: BBoxDep = None,
        after: Annotated[int, Query(ge=0, description="next_after of the previous page")] = 0,
        limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 500) -> dict:
    principal.require("incidents:read")
    return service.feature_collection(session, now=clock(request), where=where, bbox=bbox,
                                      after=after, limit=limit)


# Declared here, and this module is included before tiles.py (routers are included in name
# order), so /tiles/incidents/… is not taken for a layer of the grid's /tiles/{layer}/….
@router.get("/tiles/incidents/{z}/{x}/{y}.pbf", tags=["tiles"], response_class=Response,
            summary="Incidents as a Mapbox Vector Tile (layer incidents), by the same "
                    "filters as GET /incidents; empty tiles answer 204")
def incident_tile(request: Request, session: SessionDep, principal: PrincipalDep,
                  where: IncidentFilterDep, z: int, x: int, y: int) -> Response:
    principal.require("incidents:read")
    data = map_layer.vector_tile(session, z=z, x=x, y=y, where=where, now=clock(request))
    if not data:
        return Response(status_code=204)
    # private: the tile holds only the caller's area (row-level security)
    return Response(data, media_type=MEDIA_TYPE, headers={"Cache-Control": "private, no-store"})


@router.get("/incidents/stream", summary="Server-Sent Events: new and changed cases in your "
            "area (event: incident, data: id, version, status, level, area codes)",
            response_class=StreamingResponse)
def stream(request: Request, session: SessionDep, principal: PrincipalDep) -> StreamingResponse:
    principal.require("incidents:read")
    feed = getattr(request.app.state, "incident_feed", None)
    if feed is None:
        raise DatabaseUnavailable("the live feed is not running in this process")
    # The request's transaction ends now: a console holds no database connection.
    session.commit()
    console = feed.subscribe(principal)
    return StreamingResponse(
        incident_feed.events(feed, console, is_disconnected=request.is_disconnected),
        media_type="text/event-stream", headers={"Cache-Control": "no-store",
                                                 "X-Accel-Buffering": "no"})


@router.get("/incidents/{incident_id}", summary="A case, its log, the actions you may take, "
            "its position, the staff on duty in its cell today and the nearest staff")
def get_incident(request: Request, session: SessionDep, principal: PrincipalDep,
                 settings: SettingsDep, incident_id: int, response: Response) -> dict:
    principal.require("incidents:read")
    now = clock(request)
    out = service.case_detail(session, incident_id=incident_id, principal=principal, now=now)
    out |= case_staff(session, incident_id=incident_id, cell_code=out["cell_code"],
                      settings=settings.incidents, now=now)
    set_etag(response, out["version"])
    return out


@router.post("/incidents/{incident_id}/transitions",
             summary="Move a case on: register, dispatch, handle, feedback, verify, close, "
                     "evaluate, return, reject, escalate, reopen, merge")
def transition(request: Request, session: SessionDep, principal: PrincipalDep,
               settings: SettingsDep, incident_id: int, body: TransitionRequest,
               version: IfMatchDep, response: Response) -> dict:
    principal.require("incidents:write")
    now = clock(request)
    change = workflow.Change(action=body.action, note=body.note,
                             expected_version=based_on(version, body.version),
                             assignee_id=body.assignee_id, into_id=body.into_id,
                             evaluation=body.evaluation)
    workflow.transition(session, incident_id=incident_id, change=change, principal=principal,
                        calendar=service.load_calendar(session, settings.incidents), now=now,
                        yellow_share=settings.incidents.yellow_share)
    out = service.case_detail(session, incident_id=incident_id, principal=principal, now=now)
    set_etag(response, out["version"])
    return out


@router.put("/incidents/{incident_id}/location",
            summary="Re-locate a case whose first position was wrong (logged, re-routed)")
def relocate_incident(request: Request, session: SessionDep, principal: PrincipalDep,
                      settings: SettingsDep, incident_id: int, body: Relocation,
                      version: IfMatchDep, response: Response) -> dict:
    principal.require("incidents:write")
    data = body.model_copy(update={"version": based_on(version, body.version)})
    out = relocate.relocate(session, incident_id=incident_id, data=data, principal=principal,
                            settings=settings.incidents, now=clock(request))
    set_etag(response, out["version"])
    return out


def photo_folder(settings) -> Path:
    return settings.state_dir / "photos"


@router.post("/incidents/{incident_id}/photos", status_code=201,
             summary="Add a photo to a case (JPEG, PNG or WebP; size-limited)")
def add_photo(request: Request, session: SessionDep, principal: PrincipalDep,
              settings: SettingsDep, incident_id: int,
              file: Annotated[UploadFile, File(description="a JPEG, PNG or WebP photo")],
              ) -> dict:
    principal.require("incidents:write")
    limit = settings.incidents.photo_max_bytes
    data = file.file.read(limit + 1)  # never more than the limit (and one byte) in memory
    return photos.add_photo(session, incident_id=incident_id, data=data,
                            filename=file.filename or "upload", principal=principal,
                            folder=photo_folder(settings), max_bytes=limit, now=clock(request))


@router.get("/incidents/{incident_id}/photos/{photo_id}", summary="A photo of a case",
            response_class=FileResponse)
def get_photo(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
              incident_id: int, photo_id: int) -> FileResponse:
    principal.require("incidents:read")
    path, media_type = photos.photo_file(session, incident_id=incident_id, photo_id=photo_id,
                                         folder=photo_folder(settings))
    return FileResponse(path, media_type=media_type, headers={
        "Cache-Control": "private, no-store", "Content-Disposition": "inline"})
