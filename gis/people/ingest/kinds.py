"""Per-kind store steps: skip duplicates, locate, COPY, assign to cells, refresh rollups."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import NotFound
from gis.grid.generations import resolve_generation
from gis.people import rollups
from gis.people.assignment import assign_buildings
from gis.people.idnumbers import IdProtector
from gis.people.ingest.area import outside_area, restricted
from gis.people.ingest.households import insert_households
from gis.people.ingest.locate import buildings_by_code_and_address
from gis.people.ingest.party import store_party_households
from gis.people.ingest.report import ImportReport
from gis.people.ingest.staff import store_staff as store_staff_rows
from gis.people.ingest.store import copy_rows, ewkt, insert_rows, reserve_ids
from gis.people.ingest.validate import Problem
from gis.people.persons import ALREADY_REGISTERED

# Internal duplicate keys as the user knows the field.
FIELD_NAMES = {"id_hash": "id_number", "key": "category"}


def _active_generation(session: Session) -> int | None:
    try:
        return resolve_generation(session).id
    except NotFound:
        return None


def _existing(session: Session, sql: str, values: set) -> set:
    return set(session.execute(text(sql), {"v": sorted(values)}).scalars()) if values else set()


def _skip_duplicates(records: list[dict], keys: dict[str, set], report: ImportReport,
                     labels: dict[str, str]) -> list[dict]:
    """Keep the first of each key (in the file or already stored); report the rest."""
    kept = []
    for record in records:
        clash = next((k for k, seen in keys.items()
                      if record.get(k) is not None and record[k] in seen), None)
        if clash:
            field = FIELD_NAMES.get(clash, clash)
            report.duplicates.append(Problem(record["where"], field, labels[clash]))
            continue
        for k, seen in keys.items():
            if record.get(k) is not None:
                seen.add(record[k])
        kept.append(record)
    return kept


def store_buildings(session: Session, records: list[dict], report: ImportReport, *,
                    principal=None, **_) -> None:
    codes = _existing(session, "SELECT code FROM buildings WHERE code = ANY(:v)",
                      {r["code"] for r in records if r["code"]})
    addresses = _existing(session, "SELECT address FROM buildings WHERE address = ANY(:v)",
                          {r["address"] for r in records})
    records = _skip_duplicates(records, {"code": codes, "address": addresses}, report, {
        "code": "same building code as an earlier row or a stored building",
        "address": "same address as an earlier row or a stored building"})
    placed = []
    for record in records:
        if record.get("geom") is None:
            report.unlocated.append(Problem(record["where"], "lon/lat",
                                            "no coordinates or geometry: not stored"))
        else:
            placed.append(record)
    ids = reserve_ids(session, table="buildings", count=len(placed))
    report.stored = copy_rows(session, table="buildings",
                              columns=("id", "code", "address", "name", "floors", "geom"),
                              rows=((i, r["code"], r["address"], r["name"], r["floors"],
                                     ewkt(r["geom"])) for i, r in zip(ids, placed, strict=True)))
    report.located_by_coordinates = report.stored
    generation = _active_generation(session)
    if generation and ids:
        assign_buildings(session, generation_id=generation, building_ids=ids)
        report.assigned_to_cell = session.execute(text(
            "SELECT count(*) FROM building_cells WHERE building_id = ANY(:ids)"),
            {"ids": ids}).scalar_one()
    _refuse_buildings_outside(session, principal, dict(zip(
        ids, (r["where"] for r in placed), strict=True)), report)


def _refuse_buildings_outside(session: Session, principal, where: dict[int, str],
                              report: ImportReport) -> None:
    """Buildings stored outside the caller's area (or in no cell) become invalid rows,
    so the import writes nothing (buildings have no row-level security of their own)."""
    if not restricted(principal) or not where:
        return
    codes = dict.fromkeys(where) | dict(session.execute(text(
        "SELECT bc.building_id, c.code FROM building_cells AS bc "
        "JOIN grid_cells AS c ON c.id = bc.cell_id WHERE bc.building_id = ANY(:ids)"),
        {"ids": list(where)}).all())
    report.invalid += [Problem(where[i], "location", f"the building {why}")
                       for i, why in outside_area(principal, codes).items()]


def _locate_household(record: dict, by_code: dict, by_address: dict,
                      report: ImportReport) -> None:
    found = by_code.get(record["building_code"]) if record["building_code"] else None
    if found:
        report.matched_by_building_code += 1
    elif record["address"] and (found := by_address.get(record["address"])):
        report.matched_by_address += 1
    if found:
        building_id, lon, lat = found
        record.update(building_id=building_id, located_by="building",
                      wkt=f"SRID=4326;POINT({lon!r} {lat!r})", reason=None)
    elif record.get("geom") is not None:
        report.located_by_coordinates += 1
        record.update(building_id=None, located_by="coordinates", wkt=ewkt(record["geom"]),
                      reason=None)
    else:
        reason = (f"building code {record['building_code']} not found, no coordinates"
                  if record["building_code"] else
                  "address matches no building and there are no coordinates")
        record.update(building_id=None, located_by=None, wkt=None, reason=reason)
        report.unlocated.append(Problem(record["where"], "location", reason))


def store_households(session: Session, records: list[dict], report: ImportReport, *,
                     principal=None, **_) -> None:
    externals = _existing(session, "SELECT external_id FROM households WHERE external_id = "
                          "ANY(:v)", {r["external_id"] for r in records})
    addresses = _existing(session, "SELECT address FROM households WHERE address = ANY(:v)",
                          {r["address"] for r in records if r["address"]})
    records = _skip_duplicates(records, {"external_id": externals, "address": addresses},
                               report, {"external_id": "household id already imported",
                                        "address": "same address as another household"})
    by_code, by_address = buildings_by_code_and_address(
        session, codes={r["building_code"] for r in records if r["building_code"]},
        addresses={r["address"] for r in records if r["address"]})
    for record in records:
        _locate_household(record, by_code, by_address, report)
    ids = reserve_ids(session, table="households", count=len(records))
    generation = _active_generation(session)
    _place_unplaced_buildings(session, generation, {r["building_id"] for r in records})
    done = insert_households(session, generation_id=generation, principal=principal, rows=(
        (i, r["external_id"], r["building_id"], r["address"], r["wkt"], r["members"],
         r["located_by"], r["reason"]) for i, r in zip(ids, records, strict=True)))
    report.stored = done.stored
    where = dict(zip(ids, (r["where"] for r in records), strict=True))
    report.invalid += [Problem(where[i], "location", f"the household {why}")
                       for i, why in done.refused.items()]
    report.duplicates += [Problem(where[i], "external_id", "household id already imported")
                          for i in done.taken]
    if generation is None or not ids:
        report.note = "no active generation: households are stored without a cell"
        return
    report.unlocated += [Problem(where[i], "lon/lat", reason) for i, reason in done.outside.items()]
    report.assigned_to_cell = done.assigned


def _place_unplaced_buildings(session: Session, generation: int | None,
                              building_ids: set[int | None]) -> None:
    """Households located by a building are in its cell: a building stored while no
    generation was active (or by hand) is placed now, before its households arrive."""
    wanted = sorted(i for i in building_ids if i is not None)
    if generation is None or not wanted:
        return
    unplaced = session.execute(text(
        "SELECT coalesce(array_agg(b.id), '{}') FROM buildings AS b WHERE b.id = ANY(:ids) "
        "AND NOT EXISTS (SELECT 1 FROM building_cells AS bc WHERE bc.building_id = b.id)"),
        {"ids": wanted}).scalar_one()
    if unplaced:
        assign_buildings(session, generation_id=generation, building_ids=list(unplaced),
                         refresh=False)


def _refresh_for_households(session: Session, household_ids: set[int]) -> None:
    cells = _existing(session, "SELECT DISTINCT cell_id FROM household_cells "
                      "WHERE household_id = ANY(:v)", household_ids)
    rollups.refresh_cells(session, cell_ids=list(cells))


# The cell code of household h: a LATERAL probe of the view household_cells per row (a
# plain join on it would read the whole view; see gis.people.models.placement_of).
PLACEMENT_OF_H = ("LEFT JOIN LATERAL (SELECT hc.cell_id FROM household_cells AS hc "
                  "WHERE hc.household_id = h.id LIMIT 1) AS placed ON true "
                  "LEFT JOIN grid_cells AS c ON c.id = placed.cell_id")


def _households_of(session: Session, external_ids: set[str]) -> dict[str, tuple]:
    """external id -> (household id, cell code or None) of the households the caller sees."""
    return {ext: (hid, code) for ext, hid, code in session.execute(text(
        "SELECT h.external_id, h.id, c.code FROM households AS h " + PLACEMENT_OF_H
        + " WHERE h.external_id = ANY(:v)"), {"v": sorted(external_ids)}).all()}


def _person_household(record: dict, households: dict, principal, report: ImportReport):
    """The household id of a person row, or None with the row reported (invalid/unlocated)."""
    household = record["household"]
    found = households.get(household) if household else None
    if household and found is None:
        why = ("does not exist or is outside your area" if restricted(principal)
               else "does not exist: import households first")
        report.invalid.append(Problem(record["where"], "household_id",
                                      f"household {household} {why}"))
        return None
    refused = outside_area(principal, {0: found[1] if found else None})
    if refused:
        report.invalid.append(Problem(record["where"], "household_id",
                                      f"the person {refused[0]}"))
        return None
    if not household:
        report.unlocated.append(Problem(record["where"], "household_id",
                                        "not in a household, so in no cell"))
    return found[0] if found else False


def store_persons(session: Session, records: list[dict], report: ImportReport, *,
                  protector: IdProtector, principal=None, **_) -> None:
    """Persons, one per ID number: a number repeated in the file is a duplicate of its
    first row; one already stored (anywhere: the unique index sees rows that row-level
    security hides from the caller) is skipped by ON CONFLICT and reported the same way
    whoever holds it, so the report does not tell which numbers live in other areas."""
    for record in records:
        record.update(protector.protect(record["id"].value))
    records = _skip_duplicates(records, {"id_hash": set()}, report, {
        "id_hash": "same ID number as an earlier row"})
    households = _households_of(session, {r["household"] for r in records if r["household"]})
    kept = []
    for record in records:
        household_id = _person_household(record, households, principal, report)
        if household_id is not None:
            kept.append(record | {"household_id": household_id or None})
    written = set(insert_rows(
        session, table="persons", on_conflict="id_hash", returning="id_hash",
        columns=("household_id", "name", "gender", "birth_date", "id_hash", "id_masked",
                 "id_cipher", "phone", "residence"),
        rows=((r["household_id"], r["name"], r["id"].gender, r["id"].birth_date,
               r["id_hash"], r["id_masked"], r["id_cipher"], r["phone"], r["residence"])
              for r in kept)))
    report.stored = len(written)
    report.duplicates += [Problem(r["where"], "id_number", ALREADY_REGISTERED)
                          for r in kept if r["id_hash"] not in written]
    _refresh_for_households(session, {r["household_id"] for r in kept
                                      if r["household_id"] and r["id_hash"] in written})


def store_special(session: Session, records: list[dict], report: ImportReport, *,
                  protector: IdProtector, principal=None, **_) -> None:
    persons, codes = {}, {}
    for id_hash, person_id, code in session.execute(text(
            "SELECT p.id_hash, p.id, c.code FROM persons AS p "
            "LEFT JOIN households AS h ON h.id = p.household_id " + PLACEMENT_OF_H
            + " WHERE p.id_hash = ANY(:v)"),
            {"v": sorted({protector.hash(r["id"].value) for r in records})}).all():
        persons[bytes(id_hash)] = person_id
        codes[person_id] = code
    refused = outside_area(principal, codes)
    helpers = _staff_by_name(session, {r["helper"] for r in records if r["helper"]})
    kept = []
    for record in records:
        person = persons.get(protector.hash(record["id"].value))
        helper = helpers.get(record["helper"]) if record["helper"] else None
        if person is None or person in refused:
            report.invalid.append(Problem(record["where"], "id_number", (
                "no person with this ID number in your area" if restricted(principal)
                else "no person with this ID number: import persons first")))
        elif record["helper"] and not isinstance(helper, int):
            report.invalid.append(Problem(record["where"], "helper", helper or (
                f"{record['helper']} is not an active staff member")))
        else:
            kept.append(record | {"person_id": person, "helper_id": helper,
                                  "key": (person, record["category"])})
    open_now = set(map(tuple, session.execute(text(
        "SELECT person_id, category_code FROM special_population_records WHERE person_id = "
        "ANY(:v) AND (end_date IS NULL OR end_date >= current_date)"),
        {"v": sorted({r["person_id"] for r in kept})}).all()))
    kept = _skip_duplicates(kept, {"key": open_now}, report, {
        "key": "this person already has an open record of this category"})
    report.stored = len(insert_rows(
        session, table="special_population_records",
        columns=("person_id", "category_code", "concern_level", "danger_level",
                 "helper_staff_id", "visit_interval_days", "start_date", "note"),
        rows=((r["person_id"], r["category"], r["concern_level"], r["danger_level"],
               r["helper_id"], r["visit_interval_days"], r["start_date"], r["note"])
              for r in kept)))
    household_ids = _existing(session, "SELECT household_id FROM persons WHERE id = ANY(:v) "
                              "AND household_id IS NOT NULL", {r["person_id"] for r in kept})
    _refresh_for_households(session, household_ids)


def _staff_by_name(session: Session, names: set[str]) -> dict[str, int | str]:
    """name -> staff id, or a message when two active staff share the name."""
    found: dict[str, int | str] = {}
    for name, staff_id in session.execute(text(
            "SELECT name, id FROM staff WHERE active AND name = ANY(:v) ORDER BY id"),
            {"v": sorted(names)}).all():
        found[name] = (f"{name} names more than one staff member: use the staff id"
                       if name in found else staff_id)
    return found


STORE = {"buildings": store_buildings, "households": store_households,
         "persons": store_persons, "special": store_special, "staff": store_staff_rows,
         "party_households": store_party_households}
