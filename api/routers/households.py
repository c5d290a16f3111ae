"""/households: list by cell or region, unlocated queue, detail, create, update, export."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth import AccessContextDep
from api.deps import PrincipalDep, SessionDep
from api.params import PageDep, with_next
from api.versions import IfMatchDep, versioned
from gis.grid.service import Page
from gis.people import households as service
from gis.people import versions as people_versions
from gis.people.common import export_bytes
from gis.people.schemas import HouseholdIn, HouseholdUpdate, Located

router = APIRouter(tags=["people"])

CellQuery = Annotated[str | None, Query(pattern="^[0-9]{15}$", description="cell code")]
RegionQuery = Annotated[str | None, Query(
    pattern="^[0-9]{6,12}$", description="district/town/village code (its cells)")]
TextQuery = Annotated[str | None, Query(max_length=100, description="text to search for")]
FormatQuery = Annotated[str, Query(pattern="^(csv|xlsx)$")]


def download(rows: list[dict], *, fmt: str, name: str) -> Response:
    content, media_type = export_bytes(rows, fmt=fmt, sheet=name)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/households", summary="Households in the caller's area, by cell or region")
def list_households(session: SessionDep, principal: PrincipalDep, page: PageDep,
                    cell: CellQuery = None, region: RegionQuery = None,
                    q: TextQuery = None, *,
                    request: Request) -> dict:
    principal.require("households:read")
    result = service.list_households(session, principal=principal, cell=cell, region=region,
                                     q=q, page=page)
    return with_next(request, result)


@router.get("/households/unlocated", summary="Households in no cell, with the reason")
def unlocated(session: SessionDep, principal: PrincipalDep, page: PageDep, *,
              request: Request) -> dict:
    principal.require("households:read")
    result = service.list_households(session, principal=principal, unlocated=True, page=page)
    return with_next(request, result)


@router.get("/households/export", summary="Households as CSV or XLSX")
def export(session: SessionDep, principal: PrincipalDep, format: FormatQuery = "csv",
           cell: CellQuery = None, region: RegionQuery = None) -> Response:
    principal.require("households:read")
    rows = service.list_households(session, principal=principal, cell=cell, region=region,
                                   page=Page(limit=10_000_000))["items"]
    return download(rows, fmt=format, name="households")


@router.get("/households/{household_id}",
            summary="One household; its members (masked, logged) only with persons:read")
def get_household(session: SessionDep, principal: PrincipalDep, access: AccessContextDep,
                  household_id: int, response: Response) -> dict:
    principal.require("households:read")
    out = service.get_household(session, principal=principal, household_id=household_id,
                                reason=access.reason, client=access.client)
    return versioned(session, response, out, kind="household", row_id=household_id)


@router.post("/households", status_code=201, summary="Add a household (located and assigned)")
def create_household(session: SessionDep, principal: PrincipalDep, body: HouseholdIn,
                     response: Response) -> dict:
    principal.require("households:write")
    out = service.create_household(session, principal=principal, data=body)
    return versioned(session, response, out, kind="household", row_id=out["id"])


@router.patch("/households/{household_id}", summary="Change a household's address or size")
def update_household(session: SessionDep, principal: PrincipalDep, household_id: int,
                     body: HouseholdUpdate, version: IfMatchDep, response: Response) -> dict:
    principal.require("households:write")
    people_versions.lock(session, kind="household", row_id=household_id, expected=version)
    out = service.update_household(session, principal=principal, household_id=household_id,
                                   data=body)
    return versioned(session, response, out, kind="household", row_id=household_id)


@router.put("/households/{household_id}/location",
            summary="Fix a household's location: coordinates (re-assigned) or a cell code")
def fix_location(session: SessionDep, principal: PrincipalDep, household_id: int,
                 body: Located, version: IfMatchDep, response: Response) -> dict:
    principal.require("households:write")
    people_versions.lock(session, kind="household", row_id=household_id, expected=version)
    out = service.fix_location(session, principal=principal, household_id=household_id,
                               location=body)
    return versioned(session, response, out, kind="household", row_id=household_id)
