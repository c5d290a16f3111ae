"""Find cells, regions, buildings and households by code, number, name or address."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import region_prefix
from gis.errors import InvalidInput
from gis.sql import query

# The order results are listed in: the grid first, then the places people live.
KIND_ORDER = ("cell", "village", "town", "district", "building", "household")
MAX_QUERY_CHARS = 100


@dataclass(frozen=True)
class Hit:
    kind: str
    code: str
    name: str
    cell_code: str | None
    lon: float
    lat: float


def search(session: Session, *, principal: Principal, q: str, generation_id: int,
           area: str | None = None, limit: int = 20) -> list[Hit]:
    """Places matching `q`, at most `limit` of each kind. Buildings and households only for
    callers who may read households, and only in their area; `area` (a region code)
    narrows every kind to that region. Regions only for callers who may read them."""
    text = " ".join(q.split())
    if not text:
        raise InvalidInput("q is empty: type a code, a name, an address or a number", where="q")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"q is longer than {MAX_QUERY_CHARS} characters", where="q")
    if area is not None and not (area.isdigit() and len(area) in (12, 15)):
        raise InvalidInput("area must be a 12-digit region or 15-digit cell code", where="area")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # LIKE patterns of the area: a region's subtree, or one whole cell code (digits only)
    area_patterns = [region_prefix(c) + "%" for c in principal.region_codes]
    area_patterns += [c.strip() for c in principal.cell_codes]
    rows = session.execute(query("search"), {
        "generation_id": generation_id, "prefix": escaped + "%",
        "contains": f"%{escaped}%", "area_prefix": region_prefix(area) if area else "",
        "scope_all": principal.unrestricted, "scope_patterns": area_patterns,
        "with_regions": principal.can("regions:read"),
        "with_people": principal.can("households:read"), "limit": limit,
    }).mappings()
    hits = [Hit(**row) for row in rows]
    return sorted(hits, key=lambda h: (KIND_ORDER.index(h.kind), h.code))
