"""Persons: masked by default, revealed only with persons:reveal, every read logged."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.auth.access_log import log_person_read
from gis.auth.principal import Principal
from gis.auth.scope import cell_code_clause
from gis.errors import Conflict, NotFound
from gis.grid.models import Cell
from gis.grid.service import Page, page_result
from gis.people import rollups
from gis.people.common import (
    join_household_cell,
    lists_by_cell_ids,
    paged,
    require_area,
    where_place,
)
from gis.people.idnumbers import IdProtector, mask_phone, parse_id_number
from gis.people.models import Household, HouseholdCell, Person
from gis.people.schemas import PersonIn, PersonUpdate

REVEAL = "persons:reveal"
ID_HASH_UNIQUE = "ux_persons_id_hash"  # migrations/sql/0010_idhash_unique_upgrade.sql
ALREADY_REGISTERED = "this ID number is already registered"


def is_id_number_taken(exc: IntegrityError) -> bool:
    """True when a write failed on the one-person-per-ID-number index."""
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None) == ID_HASH_UNIQUE


@contextmanager
def unique_id_number(session: Session) -> Iterator[None]:
    """Person writes made in the block are flushed in a savepoint; a taken ID number is
    a Conflict that names nobody.

    The unique index decides, not a SELECT beforehand: row-level security hides the
    persons of other areas from the caller, and two concurrent creates both pass a
    SELECT (the index makes the second wait for the first, then fail). The 409 says
    neither who holds the number nor where: that would leak a person of another area.
    The savepoint (begun before the block's changes) keeps the transaction usable."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        if is_id_number_taken(exc):
            raise Conflict(ALREADY_REGISTERED, where="id_number") from None
        raise


def person_dict(p: Person, cell_code: str | None, *,
                protector: IdProtector | None = None) -> dict:
    """What a caller sees: never id_hash or id_cipher; the clear number only when revealing."""
    out = {"id": p.id, "household_id": p.household_id, "cell_code": cell_code, "name": p.name,
           "gender": p.gender, "birth_year": p.birth_date.year if p.birth_date else None,
           "id_masked": p.id_masked, "phone": mask_phone(p.phone), "residence": p.residence}
    if protector is not None:
        out |= {"id_number": protector.decrypt(p.id_cipher) if p.id_cipher else None,
                "phone": p.phone, "birth_date": p.birth_date.isoformat() if p.birth_date
                else None, "revealed": True}
    return out


def _scoped(principal: Principal, *, one: bool = False):
    """Persons joined to their cell; one=True for a read by person id (see placement_of)."""
    stmt, _ = join_household_cell(select(Person, Cell.code.label("cell_code"))
                                  .select_from(Person), Person.household_id, one=one)
    return stmt.where(cell_code_clause(principal, Cell.code))


def _filtered(session: Session, principal: Principal, *, cell, region, q, household_id):
    stmt = where_place(_scoped(principal, one=not lists_by_cell_ids(
                           principal, cell=cell, region=region)), cell=cell, region=region,
                       placed=HouseholdCell.cell_id, session=session, principal=principal)
    if q:
        stmt = stmt.where(Person.name.contains(q, autoescape=True))
    if household_id is not None:
        stmt = stmt.where(Person.household_id == household_id)
    return stmt.order_by(Person.id)


def list_persons(session: Session, *, principal: Principal, reason: str | None,
                 client: str | None, cell: str | None = None, region: str | None = None,
                 q: str | None = None, household_id: int | None = None,
                 page: Page = Page()) -> dict:
    stmt = _filtered(session, principal, cell=cell, region=region, q=q, household_id=household_id)
    rows, matched = paged(session, stmt, page=page, key=Person.id)
    log_person_read(session, principal=principal, subject_type="person",
                    ids=[r.Person.id for r in rows], reason=reason, client=client,
                    action="list")
    return page_result([person_dict(r.Person, r.cell_code) for r in rows], page=page,
                       matched=matched, last_key=rows[-1].Person.id if rows else None)


def export_persons(session: Session, *, principal: Principal, reason: str | None,
                   client: str | None, **filters) -> list[dict]:
    rows = session.execute(_filtered(session, principal, **filters)).all()
    log_person_read(session, principal=principal, subject_type="person",
                    ids=[r.Person.id for r in rows], reason=reason, client=client,
                    action="export")
    return [person_dict(r.Person, r.cell_code) for r in rows]


def get_person(session: Session, *, principal: Principal, person_id: int, reason: str | None,
               client: str | None, reveal: bool = False, secret_key: str = "") -> dict:
    if reveal:
        principal.require(REVEAL)
    row = session.execute(_scoped(principal, one=True).where(Person.id == person_id)).first()
    if row is None:
        raise NotFound(f"person {person_id} does not exist or is outside your area",
                       where="person_id")
    # A reveal is logged as its own, more sensitive subject (a reason is then required).
    log_person_read(session, principal=principal,
                    subject_type="person_unmasked" if reveal else "person", ids=[person_id],
                    reason=reason, client=client, action="reveal" if reveal else "read")
    return person_dict(row.Person, row.cell_code,
                       protector=IdProtector(secret_key) if reveal else None)


def _household_cell(session: Session, *, principal: Principal, household_id: int | None):
    if household_id is None:
        require_area(principal, None)
        return None
    row = session.execute(select(HouseholdCell.cell_id, Cell.code)
                          .select_from(Household)
                          .outerjoin(HouseholdCell, HouseholdCell.household_id == Household.id)
                          .outerjoin(Cell, Cell.id == HouseholdCell.cell_id)
                          .where(Household.id == household_id)).first()
    if row is None:
        raise NotFound(f"household {household_id} does not exist", where="household_id")
    require_area(principal, row.code)
    return row.cell_id


def create_person(session: Session, *, principal: Principal, data: PersonIn,
                  secret_key: str) -> dict:
    id_number = parse_id_number(data.id_number)
    cell_id = _household_cell(session, principal=principal, household_id=data.household_id)
    person = Person(name=data.name, household_id=data.household_id, phone=data.phone,
                    residence=data.residence, gender=id_number.gender,
                    birth_date=id_number.birth_date,
                    **IdProtector(secret_key).protect(id_number.value))
    with unique_id_number(session):
        session.add(person)
    rollups.refresh_cells(session, cell_ids=[cell_id])
    code = session.scalar(select(Cell.code).where(Cell.id == cell_id)) if cell_id else None
    return person_dict(person, code)


def update_person(session: Session, *, principal: Principal, person_id: int,
                  data: PersonUpdate, secret_key: str = "") -> dict:
    row = session.execute(_scoped(principal, one=True).where(Person.id == person_id)).first()
    if row is None:
        raise NotFound(f"person {person_id} does not exist or is outside your area",
                       where="person_id")
    person, old_cell = row.Person, None
    changes = data.model_dump(exclude_unset=True)
    if changes.get("id_number") is not None:  # a corrected number: birth date, sex follow
        id_number = parse_id_number(changes.pop("id_number"))
        changes |= IdProtector(secret_key).protect(id_number.value) | {
            "birth_date": id_number.birth_date, "gender": id_number.gender}
    changes.pop("id_number", None)
    if "household_id" in changes:
        old_cell = session.scalar(select(HouseholdCell.cell_id).where(
            HouseholdCell.household_id == person.household_id)) if person.household_id else None
        new_cell = _household_cell(session, principal=principal,
                                   household_id=changes["household_id"])
        rollups_to_refresh = [old_cell, new_cell]
    else:
        rollups_to_refresh = []
    with unique_id_number(session):
        for field, value in changes.items():
            setattr(person, field, value)
    rollups.refresh_cells(session, cell_ids=rollups_to_refresh)
    code = session.scalar(select(Cell.code)
                          .join(HouseholdCell, HouseholdCell.cell_id == Cell.id)
                          .where(HouseholdCell.household_id == person.household_id))
    return person_dict(person, code)
