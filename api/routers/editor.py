"""The planner's editor over a draft: paint buildings, preview an edit's impact, history,
undo and redo, renumber (the contract: EDITOR-CONTRACT.md, issue 15)."""
from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.versions import IfMatchDep, set_etag
from gis.grid import edit_service, editor_service, history, impact, lifecycle
from gis.grid.features import edit_result
from gis.grid.shapes import parse_cell_geometry, parse_line
from gis.grid.versions import Expected

router = APIRouter(tags=["editor"])
GenerationId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Code = Annotated[str, Field(pattern="^[0-9]{15}$")]
Reason = Annotated[str | None, Field(max_length=500,
                                     description="why (kept in the draft's history)")]
BuildingIds = Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]], Field(
    min_length=1, max_length=editor_service.MAX_PAINTED)]
Versions = Annotated[dict[Code, Annotated[int, Field(ge=1)]] | None, Field(
    default=None, description="the version (ETag) of each cell as you read it")]


class PaintIn(BaseModel):
    to: Code
    buildings: BuildingIds
    versions: Versions = None
    reason: Reason = None


class RenumberIn(BaseModel):
    village: str = Field(pattern="^[0-9]{12}$")
    reason: Reason = None


class RedrawEdit(BaseModel):
    op: Literal["redraw"]
    code: Code
    geometry: dict
    follow: bool = False


class SplitEdit(BaseModel):
    op: Literal["split"]
    code: Code
    line: dict


class MergeEdit(BaseModel):
    op: Literal["merge"]
    codes: list[Code] = Field(min_length=2)


class PaintEdit(BaseModel):
    op: Literal["paint"]
    to: Code
    buildings: BuildingIds


PreviewIn = Annotated[RedrawEdit | SplitEdit | MergeEdit | PaintEdit,
                      Field(discriminator="op")]


@router.post("/generations/{generation_id}/paint",
             summary="Move buildings (and the area around each) into a neighbouring cell")
def paint(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
          body: PaintIn, response: Response) -> dict:
    principal.require("cells:write")
    changes = editor_service.paint(session, principal=principal, generation_id=generation_id,
                                   to=body.to, buildings=body.buildings,
                                   expected=Expected(cells=body.versions), reason=body.reason)
    return _result(session, generation_id, changes, response)


@router.post("/generations/{generation_id}/preview",
             summary="The impact of one edit, not applied (nothing is written)")
def preview(session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
            generation_id: GenerationId, body: PreviewIn) -> dict:
    principal.require("cells:write")
    common = {"principal": principal, "generation_id": generation_id}
    if isinstance(body, RedrawEdit):
        geom, _ = parse_cell_geometry(body.geometry, where="geometry")
        service = editor_service.redraw_follow if body.follow else _redraw_one
        run = partial(service, session, code=body.code, geom=geom, attrs={}, **common)
    elif isinstance(body, SplitEdit):
        run = partial(edit_service.split_cell, session, code=body.code,
                      line=parse_line(body.line), **common)
    elif isinstance(body, MergeEdit):
        run = partial(edit_service.merge_cells, session, codes=body.codes, **common)
    else:
        run = partial(editor_service.paint, session, to=body.to, buildings=body.buildings,
                      **common)
    band = (settings.grid.households_min, settings.grid.households_max)
    return impact.preview(session, generation_id=generation_id, run=run, band=band)


def _redraw_one(session, **kwargs):
    return [edit_service.redraw_cell(session, **kwargs)]


@router.get("/generations/{generation_id}/history",
            summary="The draft's edits, oldest first, with author and reason")
def get_history(session: SessionDep, principal: PrincipalDep,
                generation_id: GenerationId) -> dict:
    principal.require("cells:read")
    lifecycle.get_generation(session, generation_id=generation_id)  # 404 if none
    return history.history(session, generation_id=generation_id)


@router.post("/generations/{generation_id}/undo",
             summary="Undo the draft's newest edit (If-Match: the generation's ETag)")
def undo(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
         version: IfMatchDep, response: Response) -> dict:
    principal.require("cells:write")
    changes = editor_service.undo(session, principal=principal, generation_id=generation_id,
                                  expected=Expected(generation=version))
    return _result(session, generation_id, changes, response, generation_etag=True)


@router.post("/generations/{generation_id}/redo",
             summary="Redo the edit undone last (If-Match: the generation's ETag)")
def redo(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
         version: IfMatchDep, response: Response) -> dict:
    principal.require("cells:write")
    changes = editor_service.redo(session, principal=principal, generation_id=generation_id,
                                  expected=Expected(generation=version))
    return _result(session, generation_id, changes, response, generation_etag=True)


@router.post("/generations/{generation_id}/renumber",
             summary="Renumber a village's changed cells west→east, north→south "
                     "(If-Match: the generation's ETag)")
def renumber(session: SessionDep, principal: PrincipalDep, generation_id: GenerationId,
             body: RenumberIn, version: IfMatchDep, response: Response) -> dict:
    principal.require("cells:write")
    renamed = editor_service.renumber(session, principal=principal,
                                      generation_id=generation_id, village=body.village,
                                      expected=Expected(generation=version), reason=body.reason)
    generation = lifecycle.get_generation(session, generation_id=generation_id)
    set_etag(response, generation.version)
    return {"renamed": renamed, "generation_version": generation.version}


def _result(session, generation_id: int, changes, response: Response, *,
            generation_etag: bool = False) -> dict:
    result = edit_result(session, generation_id=generation_id, changes=changes)
    generation = lifecycle.get_generation(session, generation_id=generation_id)
    result["generation_version"] = generation.version
    if generation_etag:
        set_etag(response, generation.version)
    return result
