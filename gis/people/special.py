"""Special-population records: list and detail (each read logged), create, update, export."""
from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from gis.auth.access_log import log_person_read
from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause
from gis.errors import NotFound
from gis.grid.models import Cell
from gis.grid.service import Page, page_result
from gis.people import rollups
from gis.people.common import join_household_cell, lists_by_cell_ids, paged, where_place
from gis.people.models import HouseholdCell, Person, SpecialPopulationRecord, placement_of
from gis.people.schemas import SpecialIn, SpecialUpdate

SUBJECT = "special_population"  # the access log asks for a reason on every such read


def _scoped(principal: Principal, *, one: bool = False):
    """Records joined to their cell; one=True for a read by record id (see placement_of)."""
    stmt, cell_id = join_household_cell(
        select(SpecialPopulationRecord, Person.name, Person.id_masked,
               Cell.code.label("cell_code"))
        .select_from(SpecialPopulationRecord)
        .join(Person, Person.id == SpecialPopulationRecord.person_id),
        Person.household_id, one=one)
    return (stmt.add_columns(cell_id.label("cell_id"))
            .where(cell_code_clause(principal, Cell.code)))


def record_dict(row) -> dict:
    r = row.SpecialPopulationRecord
    return {"id": r.id, "person_id": r.person_id, "name": row.name,
            "id_masked": row.id_masked, "cell_code": row.cell_code,
            "category_code": r.category_code, "concern_level": r.concern_level,
            "danger_level": r.danger_level, "helper_staff_id": r.helper_staff_id,
            "visit_interval_days": r.visit_interval_days,
            "last_visited_on": r.last_visited_on and r.last_visited_on.isoformat(),
            "start_date": r.start_date and r.start_date.isoformat(),
            "end_date": r.end_date and r.end_date.isoformat(), "note": r.note}


def _filtered(session: Session, principal: Principal, *, cell, region, category,
              concern_level):
    stmt = where_place(_scoped(principal, one=not lists_by_cell_ids(
                           principal, cell=cell, region=region)), cell=cell, region=region,
                       placed=HouseholdCell.cell_id, session=session, principal=principal)
    if category:
        # a parent category (key_youth) includes its sub-categories (key_youth.05)
        stmt = stmt.where((SpecialPopulationRecord.category_code == category)
                          | SpecialPopulationRecord.category_code.startswith(
                              category + ".", autoescape=True))
    if concern_level:
        stmt = stmt.where(SpecialPopulationRecord.concern_level == concern_level)
    return stmt.order_by(SpecialPopulationRecord.id)


def list_special(session: Session, *, principal: Principal, reason: str | None,
                 client: str | None, page: Page = Page(), export: bool = False,
                 **filters) -> dict:
    stmt = _filtered(session, principal, **filters)
    if export:
        rows = session.execute(stmt).all()
        matched = len(rows)
    else:
        rows, matched = paged(session, stmt, page=page, key=SpecialPopulationRecord.id)
    log_person_read(session, principal=principal, subject_type=SUBJECT,
                    ids=[r.SpecialPopulationRecord.person_id for r in rows], reason=reason,
                    client=client, action="export" if export else "list")
    return page_result([record_dict(r) for r in rows], page=page, matched=matched,
                       last_key=rows[-1].SpecialPopulationRecord.id
                       if rows and not export else None)


def get_special(session: Session, *, principal: Principal, record_id: int,
                reason: str | None, client: str | None) -> dict:
    row = session.execute(_scoped(principal, one=True).where(
        SpecialPopulationRecord.id == record_id)).first()
    if row is None:
        raise NotFound(f"record {record_id} does not exist or is outside your area",
                       where="record_id")
    log_person_read(session, principal=principal, subject_type=SUBJECT,
                    ids=[row.SpecialPopulationRecord.person_id], reason=reason, client=client)
    return record_dict(row)


def create_special(session: Session, *, principal: Principal, data: SpecialIn) -> dict:
    placement = placement_of(Person.household_id)
    person = session.execute(select(Person.id, placement.c.cell_id).select_from(Person)
                             .outerjoin(placement, true())
                             .where(Person.id == data.person_id)
                             .where(cell_code_clause(principal, select(Cell.code).where(
                                 Cell.id == placement.c.cell_id).scalar_subquery()))).first()
    if person is None:
        raise NotFound(f"person {data.person_id} does not exist or is outside your area",
                       where="person_id")
    record = SpecialPopulationRecord(**data.model_dump())
    session.add(record)
    session.flush()
    rollups.refresh_cells(session, cell_ids=[person.cell_id])
    return {"id": record.id, "person_id": record.person_id}


def update_special(session: Session, *, principal: Principal, record_id: int,
                   data: SpecialUpdate) -> dict:
    row = session.execute(_scoped(principal, one=True).where(
        SpecialPopulationRecord.id == record_id)).first()
    if row is None:
        raise NotFound(f"record {record_id} does not exist or is outside your area",
                       where="record_id")
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(row.SpecialPopulationRecord, field, value)
    session.flush()
    rollups.refresh_cells(session, cell_ids=[row.cell_id])
    return {"id": record_id, "updated": sorted(data.model_dump(exclude_unset=True))}
