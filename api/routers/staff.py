"""/staff: the roster (list, detail, create, update, end an assignment, export)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import AccessContextDep
from api.deps import PrincipalDep, SessionDep
from api.params import PageDep
from api.routers.households import CellQuery, FormatQuery, RegionQuery, TextQuery, download
from gis.grid.service import Page
from gis.staff import roster as service
from gis.staff.export import roster_rows
from gis.staff.labels import relabel
from gis.staff.schemas import AssignmentEnd, StaffIn, StaffUpdate

router = APIRouter(tags=["staff"])

RoleQuery = Annotated[str | None, Query(pattern="^[a-z_]{1,40}$", description="role code")]
CurrentQuery = Annotated[bool, Query(description="only staff assigned today (false: "
                                                 "anyone ever assigned, with history)")]
LangQuery = Annotated[str, Query(pattern="^(zh|en)$", description="export headers")]


@router.get("/staff", summary="Staff of the caller's area (phones masked; the read is logged)")
def list_staff(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
               page: PageDep, cell: CellQuery = None, region: RegionQuery = None,
               role: RoleQuery = None, q: TextQuery = None, current: CurrentQuery = True,
               ) -> dict:
    principal.require("staff:read")
    return service.list_staff(session, principal=principal, reason=access.reason,
                              client=access.client, cell=cell, region=region, role=role,
                              q=q, current=current, page=page)


@router.get("/staff/export", summary="The roster as CSV or XLSX (Chinese headers; logged)")
def export(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
           format: FormatQuery = "csv", cell: CellQuery = None, region: RegionQuery = None,
           role: RoleQuery = None, lang: LangQuery = "zh") -> Response:
    principal.require("staff:read")
    listed = service.list_staff(session, principal=principal, reason=access.reason,
                                client=access.client, cell=cell, region=region, role=role,
                                page=Page(limit=10_000_000), action="export")
    return download(relabel(roster_rows(listed["items"], lang=lang), lang), fmt=format,
                    name="staff")


@router.get("/staff/{staff_id}", summary="One staff member with their assignment history "
            "and the households they look after (a registered party member)")
def get_staff(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
              staff_id: int,
              reveal: Annotated[bool, Query(description="clear phone; needs staff:reveal "
                                            "and a reason")] = False) -> dict:
    principal.require("staff:read")
    return service.get_staff(session, principal=principal, staff_id=staff_id, reveal=reveal,
                             reason=access.reason, client=access.client)


@router.post("/staff", status_code=201, summary="Add a staff member and their assignments")
def create_staff(session: SessionDep, principal: PrincipalDep, body: StaffIn) -> dict:
    principal.require("staff:write")
    return service.create_staff(session, principal=principal, data=body)


@router.patch("/staff/{staff_id}", summary="Change a staff member; add assignments")
def update_staff(session: SessionDep, principal: PrincipalDep, staff_id: int,
                 body: StaffUpdate) -> dict:
    principal.require("staff:write")
    return service.update_staff(session, principal=principal, staff_id=staff_id, data=body)


@router.post("/staff/{staff_id}/assignments/{assignment_id}/end",
             summary="End an assignment on its last day (default today)")
def end_assignment(session: SessionDep, principal: PrincipalDep, staff_id: int,
                   assignment_id: int, body: AssignmentEnd | None = None) -> dict:
    principal.require("staff:write")
    valid_to: dt.date | None = body.valid_to if body else None
    return service.end_assignment(session, principal=principal, staff_id=staff_id,
                                  assignment_id=assignment_id, valid_to=valid_to)
