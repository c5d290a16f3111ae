"""The editor's extras in a GeoJSON edit body: `reason` and neighbours' `versions`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from gis.errors import InvalidInput

_CODE = re.compile(r"^[0-9]{15}$")


@dataclass(frozen=True)
class EditExtras:
    """What a GeoJSON edit body carries besides the geometry."""

    top_reason: str | None = None
    versions: dict[str, int] = field(default_factory=dict)

    def reason(self, properties: dict) -> str | None:
        """The body's `reason`, else the Feature's properties.reason."""
        if self.top_reason is not None:
            return self.top_reason
        reason = properties.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise InvalidInput("reason must be text", where="properties.reason")
        return reason


def edit_body(body: dict) -> tuple[dict, EditExtras]:
    """(the GeoJSON without the extras, the extras), each extra checked."""
    if not isinstance(body, dict):
        return body, EditExtras()
    body = dict(body)
    reason = body.pop("reason", None)
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput("reason must be text", where="reason")
    versions = body.pop("versions", None) or {}
    if not isinstance(versions, dict):
        raise InvalidInput("versions must be an object {cell code: version}", where="versions")
    for code, version in versions.items():
        if not _CODE.match(code):
            raise InvalidInput(f"versions: {code[:20]!r} is not a 15-digit cell code",
                               where="versions")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InvalidInput(f"versions: the version of {code} must be a whole number "
                               f"(its ETag); got {version!r}", where=f"versions.{code}")
    return body, EditExtras(reason, dict(versions))
