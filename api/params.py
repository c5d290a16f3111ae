"""Shared query parameters: bbox, paging, generation selection."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query, Request

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
               offset: Annotated[int, Query(
                   ge=0, le=10_000_000,
                   description="rows to skip (kept for old clients; prefer `after`)")] = 0,
               after: Annotated[str | None, Query(
                   pattern="^[0-9]{1,18}$",
                   description="the cursor of the next page: `next_after` of this one")] = None,
               count: Annotated[bool, Query(
                   description="also count every match (numberMatched); slower")] = False,
               ) -> Page:
    return Page(limit=limit, offset=offset, after=after, count=count)


def with_next(request: Request, result: dict) -> dict:
    """Add `next` (the URL of the next page, keyset) and a `links` entry to a list result."""
    after = result.get("next_after")
    if after is None:
        return result | {"next": None}
    # the next page keeps the filters; offset is replaced by the cursor, and the total
    # (count) is not asked again: the first page said it
    url = str(request.url.remove_query_params(["offset", "count"])
              .include_query_params(after=after))
    links = [*result.get("links", []), {"rel": "next", "href": url}]
    return result | {"next": url, "links": links}


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
