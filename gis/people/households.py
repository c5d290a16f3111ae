"""Households: list by cell or region, detail with members, create, update, fix location."""
from __future__ import annotations

from geoalchemy2.shape import to_shape
from sqlalchemy import BigInteger, any_, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.auth.access_log import log_person_read
from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause
from gis.errors import Conflict, InvalidInput, NotFound
from gis.grid.locate_async import PointQuery, locate_point_sync
from gis.grid.models import Cell
from gis.grid.service import Page, page_result
from gis.people import rollups
from gis.people.assignment import assign_households
from gis.people.common import (
    cell_by_code,
    join_household_cell,
    lists_by_cell_ids,
    paged,
    placed_cell_ids,
    point_wgs84,
    require_area,
    where_place,
)
from gis.people.models import Building, BuildingCell, Household, HouseholdCell, Person
from gis.people.persons import person_dict
from gis.people.schemas import HouseholdIn, HouseholdUpdate, Located
from gis.sql import query

EXTERNAL_UNIQUE = "households_external_id_key"  # migrations/sql/0001_baseline_upgrade.sql
PERSONS_READ = "persons:read"  # the household's members are shown only with it
PAGE_WINDOW = 20  # ids after the cursor a page looks at first, per row (households_page.sql)
COLUMNS = (Household, Cell.code.label("cell_code"),
           func.ST_X(Household.geom).label("lon"), func.ST_Y(Household.geom).label("lat"))


def _scoped(principal: Principal, *, one: bool = False):
    """Households with their cell (column cell_id); one=True: a LATERAL probe per row.

    Outer joins: unlocated households (no cell) stay visible to unrestricted callers;
    cell_code_clause drops them (NULL code) for everyone with an area. By household id the
    planner carries the constant into the view: no LATERAL needed for one household."""
    stmt, cell_id = join_household_cell(select(*COLUMNS).select_from(Household),
                                        Household.id, one=one)
    return (stmt.add_columns(cell_id.label("cell_id"))
            .where(cell_code_clause(principal, Cell.code))), cell_id


def cell_of(session: Session, household_id: int) -> int | None:
    """The cell a household is in now, however it is placed (None: unlocated)."""
    return session.scalar(select(HouseholdCell.cell_id)
                          .where(HouseholdCell.household_id == household_id))


def unlocated_reason(h: Household, cell_id: int | None) -> str | None:
    """Why a household has no cell: its own reason, or its building's placement."""
    if cell_id is not None:
        return None
    if h.located_by == "building" and h.building_id is not None:
        return f"its building {h.building_id} is outside every cell of the active generation"
    return h.unlocated_reason


def household_dict(row) -> dict:
    h = row.Household
    return {"id": h.id, "external_id": h.external_id, "address": h.address,
            "members": h.members, "building_id": h.building_id, "cell_id": row.cell_id,
            "cell_code": row.cell_code, "located_by": h.located_by,
            "unlocated_reason": unlocated_reason(h, row.cell_id),
            "lon": round(row.lon, 7) if row.lon is not None else None,
            "lat": round(row.lat, 7) if row.lat is not None else None}


def list_households(session: Session, *, principal: Principal, cell: str | None = None,
                    region: str | None = None, q: str | None = None,
                    unlocated: bool = False, page: Page = Page()) -> dict:
    by_ids = lists_by_cell_ids(principal, cell=cell, region=region)
    if by_ids and not q and not unlocated:
        return _list_placed(session, principal=principal, cell=cell, region=region, page=page)
    stmt, placed = _scoped(principal, one=not by_ids)
    stmt = where_place(stmt, cell=cell, region=region,
                       placed=placed, session=session, principal=principal)
    if q:
        stmt = stmt.where(Household.address.contains(q, autoescape=True)
                          | (Household.external_id == q))
    if unlocated:
        stmt = stmt.where(placed.is_(None))
    rows, matched = paged(session, stmt.order_by(Household.id), page=page, key=Household.id)
    return page_result([household_dict(r) for r in rows], page=page, matched=matched,
                       last_key=rows[-1].Household.id if rows else None)


def _list_placed(session: Session, *, principal: Principal, cell: str | None,
                 region: str | None, page: Page) -> dict:
    """A page of the households placed in some cells (a cell or region filter, or the
    caller's area): the page's ids first (gis/sql/households_page.sql: a window after the
    cursor, else every placement of the cells with a top-N sort), and only those rows
    join households and cells. Joining first sorted every household of the area (~27,000
    for a town of the city, ~100 ms; issue 13); tests/gis/test_rls_plans.py checks the
    plans."""
    ids = placed_cell_ids(session, cell=cell, region=region, principal=principal) or []
    matched = None
    if page.count:
        matched = session.scalar(select(func.count()).select_from(
            select(HouseholdCell.household_id)
            .where(HouseholdCell.cell_id == any_(literal(ids, ARRAY(BigInteger))))
            .subquery())) or 0
    chosen = query("households_page").bindparams(
        cell_ids=ids, after=page.after_int() or 0, limit=page.limit, offset=page.offset,
        window=0 if page.offset else PAGE_WINDOW * page.limit,
    ).columns(household_id=BigInteger, cell_id=BigInteger).subquery("chosen")
    rows = session.execute(
        select(*COLUMNS, chosen.c.cell_id.label("cell_id")).select_from(chosen)
        .join(Household, Household.id == chosen.c.household_id)
        .join(Cell, Cell.id == chosen.c.cell_id)
        .where(cell_code_clause(principal, Cell.code))
        .order_by(Household.id)).all()
    return page_result([household_dict(r) for r in rows], page=page, matched=matched,
                       last_key=rows[-1].Household.id if rows else None)


def _row(session: Session, *, principal: Principal, household_id: int):
    row = session.execute(_scoped(principal)[0].where(Household.id == household_id)).first()
    if row is None:
        raise NotFound(f"household {household_id} does not exist or is outside your area",
                       where="household_id")
    return row


def get_household(session: Session, *, principal: Principal, household_id: int,
                  reason: str | None, client: str | None) -> dict:
    """A household; with its members (masked) only for callers who may read persons.

    The members are personal data: a caller with households:read alone (a planner) gets
    the household without them, and without a "persons" key, so nothing says who lives
    there. The members' read is logged like every other read of persons."""
    out = household_dict(_row(session, principal=principal, household_id=household_id))
    if not principal.can(PERSONS_READ):
        return out
    members = session.execute(select(Person, Cell.code.label("cell_code"))
                              .join(Household, Household.id == Person.household_id)
                              .outerjoin(HouseholdCell,
                                         HouseholdCell.household_id == Household.id)
                              .outerjoin(Cell, Cell.id == HouseholdCell.cell_id)
                              .where(Person.household_id == household_id)
                              .order_by(Person.id)).all()
    if members:
        log_person_read(session, principal=principal, subject_type="person",
                        ids=[m.Person.id for m in members], reason=reason, client=client,
                        detail={"via_household": household_id})
    return out | {"persons": [person_dict(m.Person, m.cell_code) for m in members]}


def create_household(session: Session, *, principal: Principal, data: HouseholdIn) -> dict:
    if session.scalar(select(Household.id).where(Household.external_id == data.external_id)):
        raise Conflict(f"household {data.external_id} already exists", where="external_id")
    if not (data.building_code or data.cell_code or data.lon is not None) \
            and not principal.unrestricted:
        # Only a caller without an area may keep unlocated households (the queue of
        # /households/unlocated); anyone else's would be outside their area at once.
        raise InvalidInput("a household needs a location: lon and lat, a building_code or "
                           "a cell_code in your area", where="body")
    household = Household(external_id=data.external_id, address=data.address,
                          members=data.members)
    # Placed before the row is written: under row-level security a caller with an area
    # may only write a household that is already in it (WITH CHECK on households), and
    # may only place one in it (the policy of household_own_cells). The id is taken
    # first so that the placement can be written before the household.
    own_cell_id = None
    if data.building_code:
        building = session.scalars(select(Building).where(
            Building.code == data.building_code)).first()
        if building is None:
            raise NotFound(f"no building {data.building_code}", where="building_code")
        household.building_id = building.id
        household.geom = (select(func.ST_PointOnSurface(Building.geom))
                          .where(Building.id == building.id).scalar_subquery())
        household.located_by = "building"
        require_area(principal, session.scalar(
            select(Cell.code).join(BuildingCell, BuildingCell.cell_id == Cell.id)
            .where(BuildingCell.building_id == building.id)))
    elif data.cell_code:
        own_cell_id = cell_by_code(session, code=data.cell_code, principal=principal).id
        household.located_by = "manual"
    elif data.lon is not None:
        household.geom = point_wgs84(data.lon, data.lat, crs=data.crs, where="lon/lat")
        household.located_by = "coordinates"
        cell = _covering_cell(session, household.geom)
        require_area(principal, cell["code"] if cell else None)
        own_cell_id = cell["id"] if cell else None
    household.id = session.scalar(text("SELECT nextval('households_id_seq')"))
    if own_cell_id is not None:
        _set_own_cell(session, household_id=household.id, cell_id=own_cell_id)
    try:  # the pre-check above cannot see other areas' households (row-level security)
        with session.begin_nested():
            session.add(household)
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == EXTERNAL_UNIQUE:
            raise Conflict(f"household {data.external_id} already exists",
                           where="external_id") from None
        raise
    if own_cell_id is None and data.lon is not None:  # outside every cell: a reason
        assign_households(session, household_ids=[household.id], reason="created",
                          refresh=False)
    return household_dict(_row(session, principal=principal, household_id=household.id))


def _covering_cell(session: Session, point) -> dict | None:
    """The active generation's cell covering a point (id, code), by the rule of /locate."""
    spot = to_shape(point)
    try:
        return locate_point_sync(session, PointQuery(lon=spot.x, lat=spot.y))["cell"]
    except NotFound:  # no active generation yet: stored unlocated
        return None


def _set_own_cell(session: Session, *, household_id: int, cell_id: int,
                  relocating: bool = False) -> None:
    """Place a household in a cell of its own (household_own_cells), replacing any.

    relocating: the household row is written next in this transaction (located_by from
    'building' to 'manual' or 'coordinates'); until then the rule that a household
    located by its building has no cell of its own waits for that write, which checks it
    (onegrid.placing; migrations/sql/0023_own_placements_upgrade.sql)."""
    if relocating:
        session.execute(text("SELECT set_config('onegrid.placing', :h, true)"),
                        {"h": str(household_id)})
    session.execute(text(
        "INSERT INTO household_own_cells (household_id, cell_id) VALUES (:h, :c) "
        "ON CONFLICT (household_id) DO UPDATE SET cell_id = excluded.cell_id "
        "WHERE household_own_cells.cell_id IS DISTINCT FROM excluded.cell_id"),
        {"h": household_id, "c": cell_id})


def update_household(session: Session, *, principal: Principal, household_id: int,
                     data: HouseholdUpdate) -> dict:
    row = _row(session, principal=principal, household_id=household_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(row.Household, field, value)
    row.Household.updated_at = func.now()
    session.flush()
    rollups.refresh_cells(session, cell_ids=[row.cell_id])
    return household_dict(_row(session, principal=principal, household_id=household_id))


def fix_location(session: Session, *, principal: Principal, household_id: int,
                 location: Located) -> dict:
    """Give an (unlocated) household coordinates or a cell code; moves are recorded."""
    if location.lon is None and location.cell_code is None:
        raise InvalidInput("give lon and lat, or a cell_code", where="body")
    row = _row(session, principal=principal, household_id=household_id)
    _place(session, principal=principal, household=row.Household, location=location)
    return household_dict(_row(session, principal=principal, household_id=household_id))


def _place(session: Session, *, principal: Principal, household: Household,
           location: Located) -> None:
    """Place a household by hand (cell_code) or by its coordinates.

    The placement is written before the household row, as on create: under row-level
    security a household is written only while placed in the caller's area (a household
    located by its building is no longer in it once located_by changes)."""
    with session.no_autoflush:
        old_cell = cell_of(session, household.id)
    cell_id, reason = None, "location edited"
    if location.lon is not None:
        household.geom = point_wgs84(location.lon, location.lat, crs=location.crs,
                                     where="lon/lat")
        located_by = "coordinates"
        if not location.cell_code:
            # Checked before the write: row-level security would refuse it less clearly.
            with session.no_autoflush:
                cell = _covering_cell(session, household.geom)
            require_area(principal, cell["code"] if cell else None)
            cell_id = cell["id"] if cell else None
    if location.cell_code:
        cell_id = cell_by_code(session, code=location.cell_code, principal=principal).id
        located_by, reason = "manual", "set by hand"
    if cell_id is None:  # outside every cell: only a caller without an area gets here
        household.located_by = located_by
        session.flush()
        assign_households(session, household_ids=[household.id], reason=reason,
                          refresh=False)
    else:
        _set_own_cell(session, household_id=household.id, cell_id=cell_id, relocating=True)
        household.located_by, household.unlocated_reason = located_by, None
        session.flush()
        session.execute(text("SELECT set_config('onegrid.placing', '', true)"))
        if old_cell is not None and old_cell != cell_id:
            session.execute(text(
                "INSERT INTO household_moves (household_id, from_cell_id, to_cell_id, reason)"
                " VALUES (:h, :f, :t, :why)"), {"h": household.id, "f": old_cell,
                                                "t": cell_id, "why": reason})
    session.refresh(household)
    new_cell = cell_of(session, household.id)
    code = session.scalar(select(Cell.code).where(Cell.id == new_cell))
    require_area(principal, code)
    rollups.refresh_cells(session, cell_ids=[old_cell, new_cell])
