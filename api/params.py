"""Shared query parameters: bbox, paging, generation selection."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query

from api.deps import SessionDep
from gis.geo import LngLatBBox
from gis.grid.generations import resolve_generation
from gis.grid.models import Generation
from gis.grid.service import Page


def bbox_param(bbox: Annotated[str | None, Query(
        description="west,south,east,north in degrees (EPSG:4326)",
        examples=["105.9,29.7,106.2,30.0"])] = None) -> LngLatBBox | None:
    return LngLatBBox.parse(bbox) if bbox else None


def page_param(limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Page:
    return Page(limit=limit, offset=offset)


def generation_param(session: SessionDep,
                     generation: Annotated[int | None, Query(
                         ge=1, le=2_147_483_647, description="generation id")] = None,
                     at: Annotated[dt.date | None, Query(
                         description="the generation in force on this date")] = None,
                     ) -> Generation:
    return resolve_generation(session, generation_id=generation, at=at)


BBoxDep = Annotated[LngLatBBox | None, Depends(bbox_param)]
PageDep = Annotated[Page, Depends(page_param)]
GenerationDep = Annotated[Generation, Depends(generation_param)]
ZoomQuery = Annotated[int | None, Query(ge=0, le=24, description="simplify for this zoom")]
