"""/generations: drafts, activation, validation reports, cell edits and proposals."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.editor_body import edit_body
from api.versions import IfMatchDep, based_on, set_etag
from gis.errors import InvalidInput
from gis.grid import edit_service, editor_service, edits, lifecycle
from gis.grid.features import cell_feature, changes_dict, edit_result
from gis.grid.shapes import parse_cell_geometry, parse_line
from gis.grid.validation import validate_generation
from gis.grid.versions import Expected

router = APIRouter(tags=["generations"])
GenerationId = Annotated[int, Path(ge=1, le=2_147_483_647)]
CellCode = Annotated[str, Path(pattern="^[0-9]{15}$")]
GeoJSONBody = Annotated[dict, Body(description="a GeoJSON Polygon (or Feature) in EPSG:4326; "
                                   "a Feature's properties.version may carry the ETag")]
Version = Annotated[int | None, Field(ge=1, le=10**18,
                                      description="the ETag (version) the edit is based on")]


class DraftIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ActivateIn(BaseModel):
    effective_from: dt.date | None = None
    version: Version = None


Reason = Annotated[str | None, Field(max_length=500,
                                     description="why (kept in the draft's history)")]


class SplitIn(BaseModel):
    line: dict = Field(description="a GeoJSON LineString crossing the cell")
    version: Version = None
    reason: Reason = None


class MergeIn(BaseModel):
    codes: list[Annotated[str, Field(pattern="^[0-9]{15}$")]] = Field(min_length=2)
    versions: dict[Annotated[str, Field(pattern="^[0-9]{15}$")],
                   Annotated[int, Field(ge=1)]] | None = Field(
        default=None, description="the version (ETag) of each cell as you read it")
    reason: Reason = None


class ReasonIn(BaseModel):
    reason: Reason = None


class ProposeIn(BaseModel):
    region: str = Field(pattern="^[0-9]{12}$")
    # Omitted: the household band of settings.grid, the one the legend and validation use.
    households_min: int | None = Field(default=None, ge=1)
    households_max: int | None = Field(default=None, ge=1)


@router.get("/generations", summary="All generations, oldest first")
def list_generations(session: SessionDep, principal: PrincipalDep) -> list[dict]:
    principal.require("cells:read")
    return [lifecycle.generation_summary(session, g) for g in lifecycle.list_generations(session)]


@router.post("/generations", status_code=201, summary="Create the draft generation")
def create_draft(session: SessionDep, principal: PrincipalDep, body: DraftIn,
                 response: Response) -> dict:
    principal.require("generations:write")
    draft = lifecycle.create_draft(session, name=body.name, note=body.note,
                                   created_by=principal.username)
    return _generation(session, draft, response)


@router.get("/generations/{generation_id}", summary="One generation (its ETag: its version)")
def get_generation(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                   response: Response) -> dict:
    principal.require("cells:read")
    generation = lifecycle.get_generation(session, generation_id=generation_id)
    return _generation(session, generation, response)


@router.delete("/generations/{generation_id}", summary="Discard a draft")
def discard_draft(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                  version: IfMatchDep) -> dict:
    principal.require("generations:write")
    return edit_service.discard(session, principal=principal, generation_id=generation_id,
                                expected=Expected(generation=version))


@router.post("/generations/{generation_id}/activate",
             summary="Activate a draft (If-Match: the version you reviewed)")
def activate(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
             generation_id: GenerationId, version: IfMatchDep, response: Response,
             body: ActivateIn | None = None) -> dict:
    principal.require("generations:write")
    result = edit_service.activate(
        session, principal=principal, generation_id=generation_id, grid=settings.grid,
        effective_from=body.effective_from if body else None,
        expected=Expected(generation=based_on(version, body.version if body else None)))
    set_etag(response, result["version"])
    return result


@router.post("/generations/{generation_id}/repair",
             summary="Round a draft's cells to the precision grid and node them "
                     "(If-Match: the draft's ETag)")
def repair(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
           version: IfMatchDep, response: Response) -> dict:
    principal.require("generations:write")
    result = edit_service.repair(session, principal=principal, generation_id=generation_id,
                                 expected=Expected(generation=version))
    set_etag(response, result["version"])
    return result


@router.get("/generations/{generation_id}/validation", summary="Validation report")
def validation(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
               generation_id: GenerationId,
               format: Annotated[Literal["json", "geojson"], Query()] = "json") -> dict:
    principal.require("cells:read")
    report = validate_generation(session, generation_id=generation_id, grid=settings.grid)
    return report.to_geojson() if format == "geojson" else report.to_dict()


@router.post("/generations/{generation_id}/cells/{code}", status_code=201,
             summary="Add a cell to a draft")
def add_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
             code: CellCode, body: GeoJSONBody, response: Response) -> dict:
    principal.require("cells:write")
    body, extra = edit_body(body)
    geom, props = parse_cell_geometry(body)
    edit_service.add_cell(session, principal=principal, generation_id=generation_id,
                          code=code, geom=geom, attrs=_attrs(props),
                          reason=extra.reason(props))
    return _cell(session, generation_id, code, response)


@router.put("/generations/{generation_id}/cells/{code}",
            summary="Redraw a cell of a draft (If-Match: the cell's ETag you read); "
                    "with follow=true its neighbours follow the new boundary")
def redraw_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                code: CellCode, body: GeoJSONBody, version: IfMatchDep,
                response: Response, follow: Annotated[bool, Query(
                    description="neighbours take what the cell gives up and lose what it "
                                "takes (the outer boundary stays)")] = False) -> dict:
    principal.require("cells:write")
    body, extra = edit_body(body)
    geom, props = parse_cell_geometry(body)
    expected = _cell_expected(code, version, props.get("version"))
    if follow:
        changes = editor_service.redraw_follow(
            session, principal=principal, generation_id=generation_id, code=code, geom=geom,
            attrs=_attrs(props), reason=extra.reason(props),
            expected=Expected(cells={**extra.versions, **(expected.cells or {})} or None))
        result = edit_result(session, generation_id=generation_id, changes=changes)
        set_etag(response, next((f["properties"]["version"] for f in result["cells"][
            "features"] if f["id"] == code), None))
        return result
    if extra.versions:
        raise InvalidInput("versions (of neighbours) go with follow=true only",
                           where="versions")
    change = edit_service.redraw_cell(
        session, principal=principal, generation_id=generation_id, code=code, geom=geom,
        attrs=_attrs(props), expected=expected, reason=extra.reason(props))
    feature = _cell(session, generation_id, code, response)
    feature["properties"]["change"] = change.action
    return feature


@router.delete("/generations/{generation_id}/cells/{code}", summary="Remove a cell from a draft")
def remove_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                code: CellCode, version: IfMatchDep, body: ReasonIn | None = None) -> dict:
    principal.require("cells:write")
    change = edit_service.remove_cell(session, principal=principal,
                                      generation_id=generation_id, code=code,
                                      expected=_cell_expected(code, version, None),
                                      reason=body.reason if body else None)
    return changes_dict(generation_id, [change])


@router.post("/generations/{generation_id}/cells/{code}/split",
             summary="Split a cell by a line (If-Match: the cell's ETag you read)")
def split_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
               code: CellCode, body: SplitIn, version: IfMatchDep) -> dict:
    principal.require("cells:write")
    line = parse_line(body.line)
    changes = edit_service.split_cell(
        session, principal=principal, generation_id=generation_id, code=code, line=line,
        expected=_cell_expected(code, version, body.version), reason=body.reason)
    return changes_dict(generation_id, changes)


@router.post("/generations/{generation_id}/merge",
             summary="Merge neighbouring cells (If-Match: the generation's ETag, or "
                     "`versions` of the cells you read)")
def merge_cells(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                body: MergeIn, version: IfMatchDep) -> dict:
    principal.require("cells:write")
    changes = edit_service.merge_cells(
        session, principal=principal, generation_id=generation_id, codes=body.codes,
        expected=Expected(generation=version, cells=body.versions), reason=body.reason)
    return changes_dict(generation_id, changes)


@router.post("/generations/{generation_id}/propose",
             summary="Propose cells for the villages under a region")
def propose(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
            generation_id: GenerationId, body: ProposeIn, version: IfMatchDep) -> dict:
    principal.require("cells:write")
    band = (body.households_min or settings.grid.households_min,
            body.households_max or settings.grid.households_max)
    return edit_service.propose(session, principal=principal, generation_id=generation_id,
                                region_code=body.region, band=band,
                                expected=Expected(generation=version))


def _generation(session, generation, response: Response) -> dict:
    summary = lifecycle.generation_summary(session, generation)
    set_etag(response, summary["version"])
    return summary


def _cell(session, generation_id: int, code: str, response: Response) -> dict:
    feature = cell_feature(session, generation_id=generation_id, code=code)
    set_etag(response, feature["properties"]["version"])
    return feature


def _cell_expected(code: str, header: int | None, body) -> Expected:
    if body is not None and (isinstance(body, bool) or not isinstance(body, int)):
        raise InvalidInput(f"version must be a whole number (the cell's ETag); got {body!r}",
                           where="properties.version")
    version = based_on(header, body)
    return Expected(cells={code: version} if version is not None else None)


def _attrs(properties: dict) -> dict:
    """The cell attributes a Feature body may set; anything else is ignored."""
    return {key: properties[key] for key in edits.ATTRIBUTES if key in properties}
