"""What keeping cell_rollups current costs the writes (the statement triggers).

Each scenario runs the same writes under each variant, as the database owner (the CLI's
role; row-level security does not apply to it), every run rolled back (nothing written):
  - join only: the rollup triggers disabled, no rollups (the cost of the writes alone:
    the floor);
  - deltas: the triggers as shipped (0027_rollup_deltas, 0032_rollup_weights): what the
    changed rows contribute, added to each affected cell in one upsert; a moved
    household's residents and records read from its weights (household_weights,
    household_special_weights), which the persons and records triggers keep;
  - deltas, 0033: the same deltas as 0033_rollup_race placed them, before 0034_rollup_probes
    (a few moved buildings joined with every household and weight by hash joins; a bulk
    first placement locking every placed household's row), swapped in inside the
    rolled-back transaction from migrations/sql/0034_rollup_probes_downgrade.sql (0033's
    placement functions verbatim): what 0034 saves or costs;
  - deltas, 0032: the same deltas without 0033_rollup_race's household locks (persons'
    and records' writers FOR SHARE, first placements FOR NO KEY UPDATE), swapped in inside
    the rolled-back transaction from migrations/sql/0033_rollup_race_downgrade.sql (0032's
    functions verbatim): what closing the race costs;
  - deltas, 0027: the same deltas as 0027 computed them, reading what a moved household
    weighs from persons and special_population_records (a bulk statement: all of them),
    swapped in inside the rolled-back transaction from the part of
    migrations/sql/0032_rollup_weights_downgrade.sql between its markers (the weights'
    tables stay; nothing keeps them during that run, which is rolled back);
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
    import row by row, or the API). A variant that has not finished them within
    PERSONS_BUDGET_S (the recount on a city: seconds per insert) stops there and its time
    is scaled to 200 inserts from the ones it did; the table says so ("scaled from n").

    .venv/bin/python -m bench.rollup_writes [--rounds 3] [--scenario NAME ...]
                                            [--variant NAME ...]
"""
from __future__ import annotations

import argparse
import os
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
SQL = Path(__file__).resolve().parents[1] / "migrations" / "sql"
DOWNGRADE = SQL / "0027_rollup_deltas_downgrade.sql"
WEIGHTS_DOWNGRADE = SQL / "0032_rollup_weights_downgrade.sql"
RACE_DOWNGRADE = SQL / "0033_rollup_race_downgrade.sql"
PROBES_DOWNGRADE = SQL / "0034_rollup_probes_downgrade.sql"
VARIANTS = ("join only", "deltas", "deltas, 0033", "deltas, 0032", "deltas, 0027", "recount",
            "full refresh")
MOVE_ONE_IN_A_HUNDRED = text(
    "UPDATE building_cells AS bc SET cell_id = coalesce(("
    "  SELECT min(c.id) FROM grid_cells AS c WHERE c.id > bc.cell_id"
    "    AND c.generation_high IS NULL), bc.cell_id) "
    "WHERE bc.building_id % 100 = 0")
ADD_PERSON = text("INSERT INTO persons (household_id, name) VALUES (:h, 'bench')")
PERSONS = 200
PERSONS_BUDGET_S = 60.0
SCALED: dict[tuple[str, str], list[int]] = {}  # (scenario, variant) -> inserts done, per run


def recount_functions() -> str:
    """The trigger functions before 0027 (the downgrade's part between its markers)."""
    found = re.search(r"-- recount functions: begin\n(.*)-- recount functions: end",
                      DOWNGRADE.read_text(), re.S)
    if not found:
        raise SystemExit(f"no recount functions between the markers of {DOWNGRADE}")
    return found.group(1)


def deltas_0027_functions() -> str:
    """The trigger functions of 0027, before the weights (the part of 0032's downgrade
    between its markers: the functions only, the weights' tables are left alone)."""
    found = re.search(r"-- 0027 functions: begin\n(.*)-- 0027 functions: end",
                      WEIGHTS_DOWNGRADE.read_text(), re.S)
    if not found:
        raise SystemExit(f"no 0027 functions between the markers of {WEIGHTS_DOWNGRADE}")
    return found.group(1)


def run_script(session, sql: str) -> None:
    """A migration's SQL as alembic runs it: no parameters (psycopg would read its %s)."""
    session.connection().connection.driver_connection.execute(sql)


def set_triggers(session, *, enabled: bool) -> None:
    """The owner switches its own tables' triggers (session_replication_role would need
    a superuser); always inside the round's savepoint, so it is rolled back."""
    verb = "ENABLE" if enabled else "DISABLE"
    for table, trigger in TRIGGERS:
        session.execute(text(f'ALTER TABLE {table} {verb} TRIGGER "{trigger}"'))  # constants


def prepare(session, variant: str) -> None:
    set_triggers(session, enabled=variant in ("deltas", "deltas, 0033", "deltas, 0032",
                                              "deltas, 0027", "recount"))
    if variant == "deltas, 0033":
        run_script(session, PROBES_DOWNGRADE.read_text())
    elif variant == "deltas, 0032":
        run_script(session, RACE_DOWNGRADE.read_text())
    elif variant == "recount":
        run_script(session, recount_functions())
    elif variant == "deltas, 0027":
        run_script(session, deltas_0027_functions())


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
        "SELECT id FROM households ORDER BY id LIMIT :n OFFSET 1000"),
        {"n": PERSONS}).scalars().all()
    prepare(session, variant)
    started = time.perf_counter()
    done = 0
    for household in households:
        session.execute(ADD_PERSON, {"h": household})
        done += 1
        if time.perf_counter() - started > PERSONS_BUDGET_S and done < len(households):
            break  # over budget: scaled below, and said in the table
    elapsed = time.perf_counter() - started
    if done < len(households):
        SCALED.setdefault(("200 persons added", variant), []).append(done)
        return elapsed * len(households) / done
    return elapsed


SCENARIOS = {"bulk assignment": (bulk_assignment, VARIANTS),
             "coordinates only": (coordinates_only, VARIANTS[:6]),
             "1% moved": (one_in_a_hundred_moved, VARIANTS[:6]),
             "200 persons added": (persons_added, VARIANTS[:6])}


def run(*, rounds: int = 3, scenarios: list[str] | None = None,
        variants: list[str] | None = None) -> dict[str, dict[str, list[float]]]:
    """Every scenario under each of its variants (or only those named; "join only" is
    always run: the other variants are shown against it)."""
    from sqlalchemy.orm import Session

    db = engine()
    wanted = {name: tuple(v for v in all_variants
                          if not variants or v == "join only" or v in variants)
              for name, (_, all_variants) in SCENARIOS.items()
              if not scenarios or name in scenarios}
    times = {name: {v: [] for v in wanted[name]} for name in wanted}
    try:
        with Session(db) as session:
            session.execute(text("SELECT set_config('onegrid.scope_all', 'on', false)"))
            for _ in range(rounds):
                for name, chosen in wanted.items():
                    scenario = SCENARIOS[name][0]
                    for variant in chosen:  # same order each round; rounds interleave
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
            shown = f"{median:.3f} s ({min(t):.3f}-{max(t):.3f})"
            if (name, variant) in SCALED:
                done = SCALED[(name, variant)]
                shown += (f", scaled to {PERSONS} inserts from {min(done)}-{max(done)} "
                          f"done in {PERSONS_BUDGET_S:g} s")
            rows.append([name, variant, shown,
                         f"{median / floor:.2f}x", upkeep, str(len(t))])
    return rows


HEADER = ["scenario", "variant", "time", "vs join only", "upkeep / join", "rounds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS),
                        help="only this scenario (repeatable); default: all")
    parser.add_argument("--variant", action="append", choices=VARIANTS,
                        help="only this variant besides join only (repeatable); default: all")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    times = run(rounds=args.rounds, scenarios=args.scenario, variants=args.variant)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_table("rollup upkeep, median (min-max); upkeep = (time - join only) / join only",
                HEADER, summary(times))


if __name__ == "__main__":
    main()
