"""ETag / If-Match for edits: versions out as ETag headers, the version a write is based on in.

An ETag here is the resource's version number in quotes ("1042"). A write names the
version it was based on with `If-Match: "1042"` (or a `version` field in its body); a
stale one is refused with 409 (gis.errors.StaleEdit). A write without either is still
applied, one at a time, on top of the latest version (clients of the first API version
keep working, and lose nothing to a concurrent writer).
"""
from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Response
from sqlalchemy.orm import Session

from gis.errors import InvalidInput
from gis.people import versions as people_versions

_TAG = re.compile(r'^(?:W/)?"([0-9]{1,18})"$')


def if_match(if_match: Annotated[str | None, Header(
        description='the ETag the edit is based on, e.g. "1042" (a stale one is a 409)',
        max_length=100)] = None) -> int | None:
    """The version in If-Match; None when absent or `*` (any current version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _TAG.match(if_match.strip())
    if match is None:
        raise InvalidInput(f"If-Match must be one ETag as sent by this service, e.g. "
                           f'"1042"; got {if_match[:40]!r}', where="If-Match")
    return int(match.group(1))


IfMatchDep = Annotated[int | None, Depends(if_match)]


def based_on(header: int | None, body: int | None) -> int | None:
    """The version the write is based on, from If-Match or the body's `version`."""
    if header is not None and body is not None and header != body:
        raise InvalidInput(f"If-Match says version {header} but the body says {body}: "
                           "send one of them", where="If-Match")
    return header if header is not None else body


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int | None) -> None:
    if version is not None:
        response.headers["ETag"] = etag(version)


def versioned(session: Session, response: Response, out: dict, *, kind: str,
              row_id: int) -> dict:
    """A people row's dict with its version, which also goes out as the ETag."""
    version = people_versions.version_of(session, kind=kind, row_id=row_id)
    set_etag(response, version)
    return {**out, "version": version}
