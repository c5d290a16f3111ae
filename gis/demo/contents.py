"""Generated contents of the demo: households, persons, special populations, staff, incidents.

Shares and rates are plausible defaults for a Chongqing district, not statistics; the
README says which parts of the demo are real (the district boundary) and which generated.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.demo import people, staffing
from gis.demo.copy import copy_rows, reserve_ids

STAFF_PER_CELL = ("grid_head", "fulltime_worker", "safety_officer")
STAFF_PER_VILLAGE = ("patrol", "mediator", "urban_assistant", "market_inspector",
                     "judicial_assistant", "antidrug_social_worker")
# One cell in this many has its grid head's / full-time worker's post vacant.
VACANT_EVERY = {"grid_head": 23, "fulltime_worker": 17}
INCIDENTS_PER_HOUSEHOLD_90_DAYS = 0.03
SOURCES = (("patrol", 0.45), ("hotline", 0.25), ("citizen", 0.15), ("camera", 0.12),
           ("sensor", 0.03))
TRIAGE = (("minor", 0.6), ("major", 0.25), ("private", 0.15))
WORKFLOW = ("reported", "registered", "dispatched", "handling", "feedback", "verified", "closed")


def store_households_and_people(session: Session, *, buildings: pd.DataFrame, rng,
                                adcode: str, secret_key: str, progress) -> dict:
    first_building = session.execute(text(
        "SELECT min(id) FROM buildings WHERE code = 'B0000001'")).scalar_one()
    per_building = buildings["households_count"].to_numpy()
    building_index = np.repeat(np.arange(len(buildings)), per_building)
    total = len(building_index)
    members = np.clip(rng.poisson(1.7, total) + 1, 1, 8)
    first_id = reserve_ids(session, "households", total)
    # Plain Python lists: per-row pandas access is what made this slow.
    addresses = buildings["address"].tolist()
    floors = buildings["floors"].tolist()
    points = [f"SRID=4326;POINT({lon:.7f} {lat:.7f})"
              for lon, lat in zip(buildings["lon"].tolist(), buildings["lat"].tolist(),
                                  strict=True)]
    rows = ((first_id + i, f"H{i + 1:08d}", first_building + b,
             people.room_address(addresses[b], floors[b], i), points[b], "building", m)
            for i, (b, m) in enumerate(zip(building_index.tolist(), members.tolist(),
                                           strict=True)))
    copy_rows(session, "households", ("id", "external_id", "building_id", "address", "geom",
                                      "located_by", "members"), rows)
    # Located by their building, households are in its cell (building_cells, load.py).
    progress("households", total)
    persons = people.store_persons(session, household_ids=np.arange(first_id, first_id + total),
                                   members=members, rng=rng, adcode=adcode,
                                   secret_key=secret_key)
    progress("persons", persons["persons"])
    return {"households": total, **persons}


def store_staff(session: Session, *, cells: list[dict], rng) -> dict:
    staff, assignments = [], []  # ids local (0-based) until the block is reserved
    since = dt.date.today() - dt.timedelta(days=365)

    def hire(role: str, cell_codes: list[str], until: dt.date | None = None) -> None:
        staff_id = len(staff)
        staff.append((staff_id, people.random_name(rng), people.random_phone(rng),
                      bool(rng.random() < 0.35) or role == "party_member"))
        assignments.extend((staff_id, code, role, since, until) for code in cell_codes)

    by_village: dict[str, list[str]] = {}
    left_on = dt.date.today() - dt.timedelta(days=30)
    for index, cell in enumerate(cells):
        by_village.setdefault(cell["village_code"], []).append(cell["code"])
        # a post here and there was left a month ago and is vacant (the audit's vacancies)
        for role in STAFF_PER_CELL:
            vacant = index % VACANT_EVERY.get(role, len(cells) + 1) == 7
            hire(role, [cell["code"]], until=left_on if vacant else None)
        for _ in range(rng.integers(0, 3)):
            hire("parttime_worker", [cell["code"]])
        # serving party members registered where they live: none in about one cell in
        # four (the audit's party_member rule fails there when the cell is large)
        for _ in range(rng.integers(0, 4)):
            hire("party_member", [cell["code"]])
    for codes in by_village.values():
        for role in STAFF_PER_VILLAGE:
            hire(role, codes)
        hire("auxiliary_police", codes)  # "one village, one auxiliary police"
    first_id = reserve_ids(session, "staff", len(staff))
    copy_rows(session, "staff", ("id", "name", "phone", "party_member"),
              ((first_id + local, *rest) for local, *rest in staff))
    copy_rows(session, "staff_assignments", ("staff_id", "cell_code", "role_code",
                                             "valid_from", "valid_to"),
              ((first_id + local, *rest) for local, *rest in assignments))
    households = staffing.store_staffing(session, first_staff=first_id, since=since)
    positions = store_positions(session, first_staff=first_id)
    return {"staff": len(staff), "staff_assignments": len(assignments),
            "staff_positions": positions, **households}


# Staff on the street whose phones report where they are (the dispatcher's "nearest
# staff"): one position each, somewhere in a cell they serve.
ON_PATROL = ("grid_head", "fulltime_worker", "parttime_worker", "safety_officer", "patrol")


def store_positions(session: Session, *, first_staff: int) -> int:
    """Last known positions of the demo's staff on patrol, reported within the last two
    hours of the load (the demo has no live GPS feed: after a day they are too old for
    nearest-staff routing, as a real phone that stopped reporting would be). Points are
    drawn inside one of the member's cells (ST_GeneratePoints with a seed: the same demo
    every time), in EPSG:4326 like the cells."""
    return session.execute(text("""
        INSERT INTO staff_positions (staff_id, geom, reported_at)
        SELECT DISTINCT ON (a.staff_id) a.staff_id,
               ST_GeometryN(ST_GeneratePoints(c.geom, 1, (a.staff_id % 100000)::int), 1),
               now() - make_interval(mins => (a.staff_id % 120)::int)
        FROM staff_assignments AS a
        JOIN grid_cells AS c ON c.code = a.cell_code AND c.generation_high IS NULL
        WHERE a.staff_id >= :first AND a.valid_to IS NULL AND a.role_code = ANY (:roles)
        ORDER BY a.staff_id, a.cell_code"""),
        {"first": first_staff, "roles": list(ON_PATROL)}).rowcount


def _choose(rng, pairs, n):
    labels, weights = zip(*pairs, strict=True)
    return rng.choice(labels, size=n, p=np.array(weights) / sum(weights))


def store_incidents(session: Session, *, buildings: pd.DataFrame, rng, today: dt.date,
                    scale: int) -> dict:
    categories = session.execute(text(
        "SELECT c.id, c.name_zh, c.time_limit_hours FROM incident_categories AS c"
        " WHERE NOT EXISTS (SELECT 1 FROM incident_categories AS k WHERE k.parent_id = c.id)"
    )).all()
    n = max(10, round(scale * INCIDENTS_PER_HOUSEHOLD_90_DAYS))
    now = dt.datetime.combine(today, dt.time(18, 0), tzinfo=dt.UTC)
    where = rng.choice(len(buildings), size=n, p=_weights(buildings))
    jitter = rng.normal(0, 0.0002, size=(n, 2))  # ~20 m: incidents happen near buildings
    lon = buildings["lon"].to_numpy()[where] + jitter[:, 0]
    lat = buildings["lat"].to_numpy()[where] + jitter[:, 1]
    category = rng.integers(0, len(categories), n)
    age_hours = rng.uniform(0.5, 90 * 24, n)
    sources, triage = _choose(rng, SOURCES, n), _choose(rng, TRIAGE, n)
    first_id = reserve_ids(session, "incidents", n)
    incidents, transitions = [], []
    for i in range(n):
        cat_id, cat_name, limit = categories[category[i]]
        reported = now - dt.timedelta(hours=float(age_hours[i]))
        case = people.incident_life(rng, reported=reported, now=now, limit_hours=float(limit))
        incidents.append((first_id + i, f"SJ{reported:%Y%m%d}{i + 1:06d}", cat_id,
                          sources[i], case.status, triage[i], case.level, cat_name,
                          f"SRID=4326;POINT({lon[i]:.7f} {lat[i]:.7f})", reported,
                          case.dispatched_at, case.due_at, case.closed_at))
        transitions.extend((first_id + i, *step) for step in case.steps)
    copy_rows(session, "incidents", ("id", "code", "category_id", "source", "status", "triage",
                                     "level", "title", "geom", "reported_at", "dispatched_at",
                                     "due_at", "closed_at"), incidents)
    copy_rows(session, "incident_transitions", ("incident_id", "from_status", "to_status",
                                                "level", "actor", "at"), transitions)
    # Each incident to the cell that covers it (the /locate rule: lowest code on an edge);
    # a dispatched case to one of that cell's full- or part-time workers (the audit's
    # workload per worker), spread over them by case id.
    session.execute(text("""
        UPDATE incidents AS i SET cell_id = hit.cell_id, assigned_staff_id = CASE
            WHEN i.dispatched_at IS NOT NULL THEN (
                SELECT a.staff_id FROM staff_assignments AS a
                WHERE a.cell_code = hit.code
                  AND a.role_code IN ('fulltime_worker', 'parttime_worker')
                ORDER BY (a.staff_id + i.id) % 3, a.staff_id LIMIT 1) END
        FROM (SELECT DISTINCT ON (i2.id) i2.id, c.id AS cell_id, c.code
              FROM incidents AS i2
              JOIN grid_cell_pieces AS p ON ST_Covers(p.geom, i2.geom)
              JOIN grid_cells AS c ON c.id = p.cell_id AND c.generation_high IS NULL
              WHERE i2.id >= :first
              ORDER BY i2.id, c.code) AS hit
        WHERE hit.id = i.id"""), {"first": first_id})
    return {"incidents": n, "incident_transitions": len(transitions)}


def _weights(buildings: pd.DataFrame) -> np.ndarray:
    weight = buildings["households_count"].to_numpy(dtype=float)
    return weight / weight.sum()


def store_places(session: Session, *, cells: list[dict], buildings: pd.DataFrame, rng) -> dict:
    """Cameras at some buildings; no-entry fences round dedicated cells; a stay-within fence."""
    n = max(1, len(cells) // 2)
    where = rng.choice(len(buildings), size=n, replace=False)
    cameras = [(f"CAM{k + 1:05d}", f"雪亮工程 {k + 1}",
                f"SRID=4326;POINT({buildings['lon'].iat[b]:.7f} {buildings['lat'].iat[b]:.7f})",
                float(rng.uniform(0, 360)), float(rng.uniform(60, 100)),
                float(rng.uniform(50, 150))) for k, b in enumerate(where)]
    copy_rows(session, "cameras", ("code", "name", "geom", "direction_deg", "fov_deg",
                                   "range_m"), cameras)
    # Buffers in metres through geography, back to geometry in EPSG:4326.
    session.execute(text("""
        INSERT INTO fences (name, kind, geom, note)
        SELECT c.name || ' 禁入区', 'no_entry',
               ST_Multi(ST_Buffer(c.geom::geography, 50)::geometry), 'around a dedicated cell'
        FROM grid_cells AS c WHERE c.kind = 'dedicated' ORDER BY c.code LIMIT 3"""))
    session.execute(text("""
        INSERT INTO fences (name, kind, geom, note)
        SELECT name || ' 社区矫正活动范围', 'stay_within', geom, 'may not leave the district'
        FROM regions WHERE level = 'district'"""))
    return {"cameras": len(cameras)}
