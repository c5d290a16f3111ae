"""Which generation a boundary-dependent read uses: ?generation=ID, ?at=DATE, or the active one."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gis.errors import InvalidInput, NotFound
from gis.grid.models import Generation


def resolve_generation(session: Session, *, generation_id: int | None = None,
                       at: dt.date | None = None) -> Generation:
    if generation_id is not None and at is not None:
        raise InvalidInput("give either generation or at, not both", where="query")
    if generation_id is not None:
        found = session.get(Generation, generation_id)
        if found is None:
            raise NotFound(f"generation {generation_id} does not exist", where="generation")
        return found
    if at is not None:
        stmt = (select(Generation)
                .where(Generation.status.in_(("active", "retired")),
                       Generation.effective_from <= at,
                       or_(Generation.effective_to.is_(None), Generation.effective_to >= at))
                .order_by(Generation.id.desc()).limit(1))
        found = session.scalars(stmt).first()
        if found is None:
            raise NotFound(f"no generation was in force on {at.isoformat()}", where="at")
        return found
    found = session.scalars(select(Generation).where(Generation.status == "active")).first()
    if found is None:
        raise NotFound("there is no active generation yet: load the demo or import a grid "
                       "and activate it", where="generation")
    return found
