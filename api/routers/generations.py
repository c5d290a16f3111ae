"""/generations: drafts, activation, validation reports, cell edits and proposals."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field
from shapely.geometry import shape

from api.deps import PrincipalDep, SessionDep, SettingsDep
from gis.errors import InvalidGeometry
from gis.grid import edits, lifecycle
from gis.grid.features import cell_feature, changes_dict
from gis.grid.noding import repair_generation
from gis.grid.shapes import parse_cell_geometry
from gis.grid.validation import validate_generation

router = APIRouter(tags=["generations"])
GenerationId = Annotated[int, Path(ge=1, le=2_147_483_647)]
CellCode = Annotated[str, Path(pattern="^[0-9]{15}$")]
GeoJSONBody = Annotated[dict, Body(description="a GeoJSON Polygon (or Feature) in EPSG:4326")]


class DraftIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ActivateIn(BaseModel):
    effective_from: dt.date | None = None


class SplitIn(BaseModel):
    line: dict = Field(description="a GeoJSON LineString crossing the cell")


class MergeIn(BaseModel):
    codes: list[Annotated[str, Field(pattern="^[0-9]{15}$")]] = Field(min_length=2)


class ProposeIn(BaseModel):
    region: str = Field(pattern="^[0-9]{12}$")
    households_min: int = Field(ge=1)
    households_max: int = Field(ge=1)


@router.get("/generations", summary="All generations, oldest first")
def list_generations(session: SessionDep, principal: PrincipalDep) -> list[dict]:
    principal.require("cells:read")
    return [lifecycle.generation_summary(session, g) for g in lifecycle.list_generations(session)]


@router.post("/generations", status_code=201, summary="Create the draft generation")
def create_draft(session: SessionDep, principal: PrincipalDep, body: DraftIn) -> dict:
    principal.require("grid:edit")
    draft = lifecycle.create_draft(session, name=body.name, note=body.note,
                                   created_by=principal.username)
    return lifecycle.generation_summary(session, draft)


@router.get("/generations/{generation_id}", summary="One generation")
def get_generation(session: SessionDep, principal: PrincipalDep,
                   generation_id: GenerationId) -> dict:
    principal.require("cells:read")
    generation = lifecycle.get_generation(session, generation_id=generation_id)
    return lifecycle.generation_summary(session, generation)


@router.delete("/generations/{generation_id}", summary="Discard a draft")
def discard_draft(session: SessionDep, principal: PrincipalDep,
                  generation_id: GenerationId) -> dict:
    principal.require("grid:edit")
    return lifecycle.discard_draft(session, generation_id=generation_id)


@router.post("/generations/{generation_id}/activate", summary="Activate a draft")
def activate(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
             generation_id: GenerationId, body: ActivateIn | None = None) -> dict:
    principal.require("grid:activate")
    return lifecycle.activate(session, generation_id=generation_id, grid=settings.grid,
                              effective_from=body.effective_from if body else None)


@router.post("/generations/{generation_id}/repair",
             summary="Round a draft's cells to the precision grid and node them")
def repair(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId) -> dict:
    principal.require("grid:edit")
    return repair_generation(session, generation_id=generation_id)


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
             code: CellCode, body: GeoJSONBody) -> dict:
    principal.require("grid:edit")
    geom, props = parse_cell_geometry(body)
    edits.add_cell(session, generation_id=generation_id, code=code, geom=geom,
                   attrs=_attrs(props))
    return cell_feature(session, generation_id=generation_id, code=code)


@router.put("/generations/{generation_id}/cells/{code}", summary="Redraw a cell of a draft")
def redraw_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                code: CellCode, body: GeoJSONBody) -> dict:
    principal.require("grid:edit")
    geom, props = parse_cell_geometry(body)
    change = edits.redraw_cell(session, generation_id=generation_id, code=code, geom=geom,
                               attrs=_attrs(props))
    feature = cell_feature(session, generation_id=generation_id, code=code)
    feature["properties"]["change"] = change.action
    return feature


@router.delete("/generations/{generation_id}/cells/{code}", summary="Remove a cell from a draft")
def remove_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                code: CellCode) -> dict:
    principal.require("grid:edit")
    change = edits.remove_cell(session, generation_id=generation_id, code=code)
    return changes_dict(generation_id, [change])


@router.post("/generations/{generation_id}/cells/{code}/split", summary="Split a cell by a line")
def split_cell(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
               code: CellCode, body: SplitIn) -> dict:
    principal.require("grid:edit")
    try:
        line = shape(body.line)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidGeometry("line is not a readable GeoJSON geometry", where="line") from None
    if line.geom_type != "LineString" or line.is_empty:
        raise InvalidGeometry(f"line must be a LineString; got {line.geom_type}", where="line")
    changes = edits.split_cell(session, generation_id=generation_id, code=code, line=line)
    return changes_dict(generation_id, changes)


@router.post("/generations/{generation_id}/merge", summary="Merge neighbouring cells")
def merge_cells(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
                body: MergeIn) -> dict:
    principal.require("grid:edit")
    changes = edits.merge_cells(session, generation_id=generation_id, codes=body.codes)
    return changes_dict(generation_id, changes)


@router.post("/generations/{generation_id}/propose",
             summary="Propose cells for the villages under a region")
def propose(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
            body: ProposeIn) -> dict:
    from gis.grid.propose_service import propose_for_region

    principal.require("grid:edit")
    return propose_for_region(session, generation_id=generation_id, region_code=body.region,
                              band=(body.households_min, body.households_max))


def _attrs(properties: dict) -> dict:
    """The cell attributes a Feature body may set; anything else is ignored."""
    return {key: properties[key] for key in edits.ATTRIBUTES if key in properties}
