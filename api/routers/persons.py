"""/persons: masked by default; ?reveal=true needs persons:reveal; every read is logged."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth import AccessContextDep
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.params import PageDep, with_next
from api.routers.households import CellQuery, FormatQuery, RegionQuery, TextQuery, download
from api.versions import IfMatchDep, versioned
from gis.people import persons as service
from gis.people import versions as people_versions
from gis.people.schemas import PersonIn, PersonUpdate

router = APIRouter(tags=["people"])


@router.get("/persons", summary="Persons in the caller's area (masked; the read is logged)")
def list_persons(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
                 page: PageDep, cell: CellQuery = None, region: RegionQuery = None,
                 q: TextQuery = None, household_id: int | None = None, *,
                 request: Request) -> dict:
    principal.require("persons:read")
    result = service.list_persons(session, principal=principal, reason=access.reason,
                                  client=access.client, cell=cell, region=region, q=q,
                                  household_id=household_id, page=page)
    return with_next(request, result)


@router.get("/persons/export", summary="Persons as CSV or XLSX (masked; logged)")
def export(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
           format: FormatQuery = "csv", cell: CellQuery = None,
           region: RegionQuery = None) -> Response:
    principal.require("persons:read")
    rows = service.export_persons(session, principal=principal, reason=access.reason,
                                  client=access.client, cell=cell, region=region, q=None,
                                  household_id=None)
    return download(rows, fmt=format, name="persons")


@router.get("/persons/{person_id}", summary="One person (masked unless revealed; logged)")
def get_person(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
               settings: SettingsDep, person_id: int, response: Response,
               reveal: Annotated[bool, Query(description="clear ID number and phone; "
                                             "needs persons:reveal and a reason")] = False,
               ) -> dict:
    principal.require("persons:read")
    out = service.get_person(session, principal=principal, person_id=person_id,
                             reveal=reveal, secret_key=settings.security.secret_key,
                             reason=access.reason, client=access.client)
    return versioned(session, response, out, kind="person", row_id=person_id)


@router.post("/persons", status_code=201, summary="Add a person (ID number validated)")
def create_person(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
                  body: PersonIn) -> dict:
    principal.require("persons:write")
    return service.create_person(session, principal=principal, data=body,
                                 secret_key=settings.security.secret_key)


@router.patch("/persons/{person_id}",
              summary="Change a person's name, household, phone or (corrected) ID number")
def update_person(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
                  person_id: int, body: PersonUpdate, version: IfMatchDep,
                  response: Response) -> dict:
    principal.require("persons:write")
    people_versions.lock(session, kind="person", row_id=person_id, expected=version)
    out = service.update_person(session, principal=principal, person_id=person_id, data=body,
                                secret_key=settings.security.secret_key)
    return versioned(session, response, out, kind="person", row_id=person_id)
