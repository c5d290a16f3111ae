"""/buildings: list by cell or region, detail, create (assigned to a cell), update, export."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import PrincipalDep, SessionDep
from api.params import PageDep, with_next
from api.routers.households import CellQuery, FormatQuery, RegionQuery, TextQuery, download
from api.versions import IfMatchDep, versioned
from gis.people import buildings as service
from gis.people import versions as people_versions
from gis.people.schemas import BuildingIn, BuildingUpdate

router = APIRouter(tags=["people"])


@router.get("/buildings", summary="Buildings in the caller's area")
def list_buildings(session: SessionDep, principal: PrincipalDep, page: PageDep,
                   cell: CellQuery = None, region: RegionQuery = None,
                   q: TextQuery = None, *,
                   request: Request) -> dict:
    principal.require("households:read")
    result = service.list_buildings(session, principal=principal, cell=cell, region=region,
                                    q=q, page=page)
    return with_next(request, result)


@router.get("/buildings/export", summary="Buildings as CSV or XLSX")
def export(session: SessionDep, principal: PrincipalDep, format: FormatQuery = "csv",
           cell: CellQuery = None, region: RegionQuery = None) -> Response:
    principal.require("households:read")
    rows = service.list_buildings(session, principal=principal, cell=cell, region=region,
                                  export=True)["items"]
    return download(rows, fmt=format, name="buildings")


@router.get("/buildings/{building_id}", summary="One building")
def get_building(session: SessionDep, principal: PrincipalDep, building_id: int,
                 response: Response) -> dict:
    principal.require("households:read")
    out = service.get_building(session, principal=principal, building_id=building_id)
    return versioned(session, response, out, kind="building", row_id=building_id)


@router.post("/buildings", status_code=201, summary="Add a building at a point")
def create_building(session: SessionDep, principal: PrincipalDep, body: BuildingIn) -> dict:
    principal.require("households:write")
    return service.create_building(session, principal=principal, data=body)


@router.patch("/buildings/{building_id}", summary="Change a building's address, name, floors")
def update_building(session: SessionDep, principal: PrincipalDep, building_id: int,
                    body: BuildingUpdate, version: IfMatchDep, response: Response) -> dict:
    principal.require("households:write")
    people_versions.lock(session, kind="building", row_id=building_id, expected=version)
    out = service.update_building(session, principal=principal, building_id=building_id,
                                  data=body)
    return versioned(session, response, out, kind="building", row_id=building_id)
