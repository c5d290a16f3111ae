"""The households a serving party member (or deputy) registered in their home cell looks
after (联系户): read for the staff detail, within the caller's area."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause
from gis.people.models import Household
from gis.staff.models import PartyHousehold


def households_of(session: Session, *, principal: Principal, staff_id: int,
                  today: dt.date | None = None) -> list[dict]:
    """Every household the member looks after or looked after, current ones first."""
    today = today or dt.date.today()
    rows = session.execute(
        select(PartyHousehold, Household.external_id)
        .join(Household, Household.id == PartyHousehold.household_id)
        .where(PartyHousehold.staff_id == staff_id,
               cell_code_clause(principal, PartyHousehold.cell_code))
        .order_by(PartyHousehold.valid_to.is_not(None), PartyHousehold.cell_code,
                  Household.external_id, PartyHousehold.id)).all()
    return [{"household_id": link.household_id, "external_id": external_id,
             "cell_code": link.cell_code, "valid_from": link.valid_from.isoformat(),
             "valid_to": link.valid_to.isoformat() if link.valid_to else None,
             "current": link.valid_from <= today and (link.valid_to is None
                                                      or link.valid_to >= today)}
            for link, external_id in rows]
