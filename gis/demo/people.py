"""Generated people of the demo: names, ID numbers, special populations, incident histories."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from gis.demo.copy import copy_rows, reserve_ids

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林谢唐冯邓曹彭曾萧田董潘袁"
            "蔡蒋余于杜叶程魏苏吕丁任沈")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅林波辉鹏飞宇浩然欣怡思雨"

# Share of persons on each register, and its level-of-concern mix (high, medium, low).
# Plausible defaults, not statistics.
SPECIAL_SHARES = {
    "community_correction": (0.0006, (0.3, 0.5, 0.2)),
    "released_prisoner": (0.0012, (0.2, 0.4, 0.4)),
    "mental_disorder": (0.0045, (0.15, 0.35, 0.5)),
    "drug_user": (0.0010, (0.3, 0.4, 0.3)),
    "key_youth.01": (0.0015, (0.1, 0.3, 0.6)),
    "key_youth.02": (0.0008, (0.2, 0.4, 0.4)),
    "key_youth.05": (0.0060, (0.05, 0.25, 0.7)),
    "left_behind.01": (0.0150, (0.05, 0.25, 0.7)),
    "hardship": (0.0120, (0.1, 0.3, 0.6)),
    "elderly_alone": (0.0090, (0.15, 0.35, 0.5)),
    "disabled": (0.0180, (0.05, 0.25, 0.7)),
}
VISIT_DAYS = {"high": 7, "medium": 30, "low": 90}
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = "10X98765432"


def random_name(rng) -> str:
    return random_names(rng, 1)[0]


def random_names(rng, n: int) -> list[str]:
    """n names: a surname and one or two given-name characters."""
    surnames = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    given = np.array(list(GIVEN))[rng.integers(0, len(GIVEN), (n, 2))]
    two = rng.random(n) < 0.6
    return [s + g[0] + (g[1] if t else "") for s, g, t in zip(surnames.tolist(), given.tolist(),
                                                              two.tolist(), strict=True)]


def random_phone(rng) -> str:
    return f"1{rng.choice([3, 5, 7, 8, 9])}{rng.integers(0, 10**9):09d}"


def room_address(address: str, floors: int, serial: int) -> str:
    """Apartment buildings get unit and room numbers; houses keep the building address."""
    if floors <= 3:
        return address
    unit, room = serial % 3 + 1, serial % (floors * 4)
    return f"{address}{unit}单元{room // 4 + 1}-{room % 4 + 1}号"


def id_numbers(rng, *, adcode: str, birth_dates: np.ndarray, male: np.ndarray) -> list[str]:
    """Valid 18-digit resident ID numbers (GB 11643 check digit), all of this district.

    Unique, as the register's are (persons.id_hash has a unique index): a sequence number
    already given on the same birth date is drawn again. 500 numbers per date and sex
    leave room for any demo size (a city of 3M has ~45 per date and sex)."""
    seq = rng.integers(0, 500, len(birth_dates)) * 2 + male.astype(int)  # odd = male
    dates = [f"{d:%Y%m%d}" for d in birth_dates.tolist()]
    given: set[str] = set()
    bodies = []
    for date, s, is_male in zip(dates, seq.tolist(), male.tolist(), strict=True):
        body = f"{adcode}{date}{s:03d}"
        for _ in range(10_000):
            if body not in given:
                break
            body = f"{adcode}{date}{int(rng.integers(0, 500)) * 2 + int(is_male):03d}"
        else:
            raise ValueError(f"more than 500 demo persons of one sex born on {date}")
        given.add(body)
        bodies.append(body)
    digits = np.array([[int(ch) for ch in body] for body in bodies]).reshape(-1, 17)
    checks = (digits @ ID_WEIGHTS) % 11
    return [body + ID_CHECK[c] for body, c in zip(bodies, checks, strict=True)]


def store_persons(session: Session, *, household_ids: np.ndarray, members: np.ndarray, rng,
                  adcode: str, secret_key: str) -> dict:
    from gis.people import idnumbers

    owners = np.repeat(household_ids, members)
    n = len(owners)
    ages = rng.integers(0, 95, n)
    births = [dt.date(2026 - int(a), 1, 1) + dt.timedelta(days=int(d))
              for a, d in zip(ages, rng.integers(0, 365, n), strict=True)]
    male = rng.random(n) < 0.5
    ids = id_numbers(rng, adcode=adcode, birth_dates=np.array(births, dtype=object), male=male)
    floating = rng.random(n) < 0.18
    first = reserve_ids(session, "persons", n)
    protector = idnumbers.IdProtector(secret_key)
    names = random_names(rng, n)
    phones = [f"1{p}{q:09d}" for p, q in zip(rng.choice([3, 5, 7, 8, 9], n).tolist(),
                                             rng.integers(0, 10**9, n).tolist(), strict=True)]
    owner_ids, is_male, is_floating = owners.tolist(), male.tolist(), floating.tolist()
    rows = ((first + i, owner_ids[i], names[i], "M" if is_male[i] else "F", births[i],
             *_stored(protector, ids[i]), phones[i],
             "floating" if is_floating[i] else "registered") for i in range(n))
    copy_rows(session, "persons", ("id", "household_id", "name", "gender", "birth_date",
                                   "id_hash", "id_masked", "id_cipher", "phone", "residence"),
              rows)
    records = _special_records(rng, first_person=first, ages=ages)
    copy_rows(session, "special_population_records",
              ("person_id", "category_code", "concern_level", "danger_level",
               "visit_interval_days", "last_visited_on", "start_date"), records)
    return {"persons": n, "special_population_records": len(records)}


def _stored(protector, id_number: str) -> tuple[bytes, str, bytes]:
    columns = protector.protect(id_number)
    return columns["id_hash"], columns["id_masked"], columns["id_cipher"]


def _special_records(rng, *, first_person: int, ages: np.ndarray) -> list[tuple]:
    today = dt.date.today()
    out = []
    for code, (share, mix) in SPECIAL_SHARES.items():
        eligible = np.flatnonzero(_eligible(code, ages))
        count = min(len(eligible), round(share * len(ages)))
        for k in rng.choice(eligible, size=count, replace=False):
            level = str(rng.choice(("high", "medium", "low"), p=mix))
            danger = int(rng.integers(0, 6)) if code == "mental_disorder" else None
            since = today - dt.timedelta(days=int(rng.integers(30, 2000)))
            # most visits on time: one day late in one of (interval + 2)
            visited = today - dt.timedelta(days=int(rng.integers(0, VISIT_DAYS[level] + 2)))
            out.append((first_person + int(k), code, level, danger, VISIT_DAYS[level],
                        visited, since))
    return out


def _eligible(code: str, ages: np.ndarray) -> np.ndarray:
    if code.startswith("key_youth"):
        return (ages >= 6) & (ages <= 25)
    if code in ("left_behind.01", "elderly_alone"):
        return ages >= 65
    return ages >= 18


STALLED_SHARE = 0.06


@dataclass
class CaseLife:
    status: str
    level: str
    dispatched_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    steps: list[tuple] = field(default_factory=list)


def incident_life(rng, *, reported: dt.datetime, now: dt.datetime,
                  limit_hours: float) -> CaseLife:
    """Walk a case through the seven steps as far as its age allows.

    Some cases escalate before dispatch; some run late; a few stall in handling (open, and
    overdue once their deadline passes: the audit's workload has a backlog to show)."""
    from gis.demo.contents import WORKFLOW

    level = str(rng.choice(("village", "town", "district"), p=(0.85, 0.12, 0.03)))
    # Time spent before each next step, as a share of the limit; late cases overshoot.
    pace = limit_hours * (1.6 if rng.random() < 0.15 else 0.8)
    gaps = np.concatenate([[rng.uniform(0.05, 1.0), rng.uniform(0.05, 2.0)],
                           rng.dirichlet(np.ones(4)) * pace])
    stalled = rng.random() < STALLED_SHARE
    life = CaseLife(status="reported", level="village")
    at, previous = reported, None
    life.steps.append((None, "reported", "village", "reporter", at))
    for step, gap in zip(WORKFLOW[1:], gaps, strict=True):
        at = at + dt.timedelta(hours=float(gap))
        if at > now or (stalled and step == "feedback"):
            break
        if step == "dispatched":
            life.dispatched_at, life.due_at = at, at + dt.timedelta(hours=limit_hours)
            if level != "village":  # escalated before dispatch: the village could not solve it
                life.steps.append(("registered", "registered", level, "village centre", at))
                life.level = level
        previous = life.status
        life.status = step
        life.steps.append((previous, step, life.level, f"{life.level} centre", at))
    if life.status == "closed":
        life.closed_at = at
    return life
