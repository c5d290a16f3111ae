"""What keeping cell_rollups current costs the writes (the statement triggers).

Each scenario runs the same writes under each variant, as the database owner (the CLI's
role; row-level security does not apply to it), every run rolled back (nothing written):
  - join only: the rollup triggers disabled, no rollups (the cost of the writes alone:
    the floor);
  - deltas: the triggers as shipped (0027_rollup_deltas): what the changed rows
    contribute, added to each affected cell in one upsert;
  - recount: the triggers before 0027 (0012_speed, 0023_own_placements: every cell a
    statement touched recounted whole), swapped in inside the rolled-back transaction
    from migrations/sql/0027_rollup_deltas_downgrade.sql;
  - full refresh: triggers disabled, then every cell's rollups recomputed
    (refresh_generation), which `people assign --commit` did before 0012 (bulk only).
Scenarios:
  - bulk assignment: `onegrid people assign` after every placement was cleared (every
    building and household placed anew in building_cells and household_own_cells);
  - coordinates only: every household's located_by set to 'coordinates' (quietly, not
    timed), then assign_own_placements places them all in household_own_cells (the
    coordinates-only model of bench/assign_bulk.py);
  - 1% moved: one UPDATE moving every 100th building's placement to the next cell (its
    households follow), as a redraw of a few cells does;
  - 200 persons added: 200 single-row INSERTs into persons, one statement each (an
    import row by row, or the API).

    .venv/bin/python -m bench.rollup_writes [--rounds 3]
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

from sqlalchemy import text

from bench.common import engine, print_table

TRIGGERS = (("households", "households_rollup_insert"),
            ("households", "households_rollup_update"),
            ("households", "households_rollup_delete"),
            ("household_own_cells", "household_own_cells_rollup_insert"),
            ("household_own_cells", "household_own_cells_rollup_delete"),
            ("household_own_cells", "household_own_cells_rollup_update"),
            ("building_cells", "building_cells_rollup_insert"),
            ("building_cells", "building_cells_rollup_delete"),
            ("building_cells", "building_cells_rollup_update"),
            ("persons", "persons_rollup_insert"),
            ("persons", "persons_rollup_update"),
            ("persons", "persons_rollup_delete"))
DOWNGRADE = (Path(__file__).resolve().parents[1] / "migrations" / "sql"
             / "0027_rollup_deltas_downgrade.sql")
VARIANTS = ("join only", "deltas", "recount", "full refresh")
MOVE_ONE_IN_A_HUNDRED = text(
    "UPDATE building_cells AS bc SET cell_id = coalesce(("
    "  SELECT min(c.id) FROM grid_cells AS c WHERE c.id > bc.cell_id"
    "    AND c.generation_high IS NULL), bc.cell_id) "
    "WHERE bc.building_id % 100 = 0")
ADD_PERSON = text("INSERT INTO persons (household_id, name) VALUES (:h, 'bench')")


def recount_functions() -> str:
    """The trigger functions before 0027 (the downgrade's part between its markers)."""
    found = re.search(r"-- recount functions: begin\n(.*)-- recount functions: end",
                      DOWNGRADE.read_text(), re.S)
    if not found:
        raise SystemExit(f"no recount functions between the markers of {DOWNGRADE}")
    return found.group(1)


def set_triggers(session, *, enabled: bool) -> None:
    """The owner switches its own tables' triggers (session_replication_role would need
    a superuser); always inside the round's savepoint, so it is rolled back."""
    verb = "ENABLE" if enabled else "DISABLE"
    for table, trigger in TRIGGERS:
        session.execute(text(f'ALTER TABLE {table} {verb} TRIGGER "{trigger}"'))  # constants


def prepare(session, variant: str) -> None:
    set_triggers(session, enabled=variant in ("deltas", "recount"))
    if variant == "recount":
        session.connection().exec_driver_sql(recount_functions())


def bulk_assignment(session, variant: str) -> float:
    from gis.people.assignment import assign_households
    from gis.people.rollups import refresh_generation

    set_triggers(session, enabled=False)  # cleared quietly (not timed)
    session.execute(text("DELETE FROM household_own_cells"))
    session.execute(text("DELETE FROM building_cells"))
    prepare(session, variant)
    started = time.perf_counter()
    result = assign_households(session, refresh=False)
    if variant == "full refresh":
        refresh_generation(session, generation_id=result.generation_id)
    return time.perf_counter() - started


def coordinates_only(session, variant: str) -> float:
    from gis.people.assignment import assign_own_placements

    set_triggers(session, enabled=False)  # every household by its own point (not timed)
    session.execute(text("DELETE FROM household_own_cells"))
    session.execute(text("UPDATE households SET located_by = 'coordinates' "
                         "WHERE located_by = 'building'"))
    prepare(session, variant)
    started = time.perf_counter()
    assign_own_placements(session, reason="bench")
    return time.perf_counter() - started


def one_in_a_hundred_moved(session, variant: str) -> float:
    prepare(session, variant)
    started = time.perf_counter()
    session.execute(MOVE_ONE_IN_A_HUNDRED)
    return time.perf_counter() - started


def persons_added(session, variant: str) -> float:
    households = session.execute(text(
        "SELECT id FROM households ORDER BY id LIMIT 200 OFFSET 1000")).scalars().all()
    prepare(session, variant)
    started = time.perf_counter()
    for household in households:
        session.execute(ADD_PERSON, {"h": household})
    return time.perf_counter() - started


SCENARIOS = {"bulk assignment": (bulk_assignment, VARIANTS),
             "coordinates only": (coordinates_only, VARIANTS[:3]),
             "1% moved": (one_in_a_hundred_moved, VARIANTS[:3]),
             "200 persons added": (persons_added, VARIANTS[:3])}


def run(*, rounds: int = 3) -> dict[str, dict[str, list[float]]]:
    from sqlalchemy.orm import Session

    db = engine()
    times = {name: {v: [] for v in variants} for name, (_, variants) in SCENARIOS.items()}
    try:
        with Session(db) as session:
            session.execute(text("SELECT set_config('onegrid.scope_all', 'on', false)"))
            for _ in range(rounds):
                for name, (scenario, variants) in SCENARIOS.items():
                    for variant in variants:  # same order each round; rounds interleave
                        session.execute(text("SAVEPOINT bench_run"))
                        times[name][variant].append(scenario(session, variant))
                        session.execute(text("ROLLBACK TO SAVEPOINT bench_run"))
                        print(f"  {name}, {variant}: {times[name][variant][-1]:.3f} s",
                              flush=True)
            session.rollback()
    finally:
        db.dispose()
    return times


def summary(times: dict[str, dict[str, list[float]]]) -> list[list[str]]:
    rows = []
    for name, by_variant in times.items():
        floor = statistics.median(by_variant["join only"])
        for variant, t in by_variant.items():
            median = statistics.median(t)
            upkeep = "" if variant == "join only" else f"{(median - floor) / floor:.2f}x"
            rows.append([name, variant, f"{median:.3f} s ({min(t):.3f}-{max(t):.3f})",
                         f"{median / floor:.2f}x", upkeep, str(len(t))])
    return rows


HEADER = ["scenario", "variant", "time", "vs join only", "upkeep / join", "rounds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print_table("rollup upkeep, median (min-max); upkeep = (time - join only) / join only",
                HEADER, summary(run(rounds=args.rounds)))


if __name__ == "__main__":
    main()
