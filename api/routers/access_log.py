"""/access-log: auditors search who read which person records, when and why."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import PrincipalDep, SessionDep
from api.params import with_next
from gis.auth.access_log import search_access_log

router = APIRouter(tags=["access log"])


@router.get("/access-log", summary="Search the access log of person reads (newest first)")
def access_log(session: SessionDep, principal: PrincipalDep,
               username: Annotated[str | None, Query(max_length=64)] = None,
               subject_type: Annotated[str | None, Query(max_length=64)] = None,
               subject_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
               since: Annotated[dt.datetime | None, Query(
                   description="from this time (inclusive, ISO 8601)")] = None,
               until: Annotated[dt.datetime | None, Query(
                   description="before this time (exclusive, ISO 8601)")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
               after: Annotated[int | None, Query(
                   ge=1, le=2**63 - 1,
                   description="the cursor of the next page: `next_after` of this one")] = None,
               count: Annotated[bool, Query(description="also count every match")] = False,
               *, request: Request) -> dict:
    principal.require("access_log:read")
    result = search_access_log(session, username=username, subject_type=subject_type,
                               subject_id=subject_id, since=since, until=until,
                               limit=limit, offset=offset, after=after, count=count)
    return with_next(request, result)
