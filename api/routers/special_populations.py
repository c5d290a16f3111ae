"""/special-populations: records by cell, region, category and concern; every read logged."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth import AccessContextDep
from api.deps import PrincipalDep, SessionDep
from api.params import PageDep, with_next
from api.routers.households import CellQuery, FormatQuery, RegionQuery, download
from api.versions import IfMatchDep, versioned
from gis.people import special as service
from gis.people import versions as people_versions
from gis.people.schemas import SpecialIn, SpecialUpdate

router = APIRouter(tags=["people"])

CategoryQuery = Annotated[str | None, Query(max_length=64, examples=["key_youth"])]
ConcernQuery = Annotated[str | None, Query(pattern="^(high|medium|low)$")]


@router.get("/special-populations", summary="Special-population records (reason required)")
def list_special(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
                 page: PageDep, cell: CellQuery = None, region: RegionQuery = None,
                 category: CategoryQuery = None, concern_level: ConcernQuery = None, *,
                 request: Request) -> dict:
    principal.require("persons:read")
    result = service.list_special(session, principal=principal, reason=access.reason,
                                  client=access.client, page=page, cell=cell, region=region,
                                  category=category, concern_level=concern_level)
    return with_next(request, result)


@router.get("/special-populations/export", summary="Special-population records as CSV/XLSX")
def export(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
           format: FormatQuery = "csv", cell: CellQuery = None, region: RegionQuery = None,
           category: CategoryQuery = None, concern_level: ConcernQuery = None) -> Response:
    principal.require("persons:read")
    rows = service.list_special(session, principal=principal, reason=access.reason,
                                client=access.client, export=True, cell=cell, region=region,
                                category=category, concern_level=concern_level)["items"]
    return download(rows, fmt=format, name="special_populations")


@router.get("/special-populations/{record_id}", summary="One record (reason required)")
def get_special(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
                record_id: int, response: Response) -> dict:
    principal.require("persons:read")
    out = service.get_special(session, principal=principal, record_id=record_id,
                              reason=access.reason, client=access.client)
    return versioned(session, response, out, kind="special", row_id=record_id)


@router.post("/special-populations", status_code=201, summary="Add a record for a person")
def create_special(session: SessionDep, principal: PrincipalDep, body: SpecialIn) -> dict:
    principal.require("persons:write")
    return service.create_special(session, principal=principal, data=body)


@router.patch("/special-populations/{record_id}", summary="Change level, helper, visits")
def update_special(session: SessionDep, principal: PrincipalDep, record_id: int,
                   body: SpecialUpdate, version: IfMatchDep, response: Response) -> dict:
    principal.require("persons:write")
    people_versions.lock(session, kind="special", row_id=record_id, expected=version)
    out = service.update_special(session, principal=principal, record_id=record_id,
                                 data=body)
    return versioned(session, response, out, kind="special", row_id=record_id)
