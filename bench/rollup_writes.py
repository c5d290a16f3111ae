"""What keeping cell_rollups current costs a bulk assignment (the statement triggers).

Three runs of the same bulk assignment (`onegrid people assign`: every building and every
household placed in the active generation's cells, written to building_cells and
household_own_cells), each after the placements were cleared, as the database owner
(the CLI's role; row-level security does not apply to it):
  - triggers: the assignment as shipped; the rollup triggers (0012_speed,
    0023_own_placements) refresh the cells each statement touched, inside the statement;
  - join only: the same assignment with the rollup triggers disabled, no rollups (the cost
    of the placement alone: the floor);
  - full refresh: triggers disabled, then every cell's rollups recomputed
    (refresh_generation), which is what `people assign --commit` did before.
Every round is rolled back: nothing is written.

    .venv/bin/python -m bench.rollup_writes [--rounds 2]
"""
from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import text

from bench.common import engine, print_table

TRIGGERS = (("households", "households_rollup_update"),
            ("household_own_cells", "household_own_cells_rollup_insert"),
            ("household_own_cells", "household_own_cells_rollup_delete"),
            ("household_own_cells", "household_own_cells_rollup_update"),
            ("building_cells", "building_cells_rollup_insert"),
            ("building_cells", "building_cells_rollup_delete"),
            ("building_cells", "building_cells_rollup_update"))


def clear_placements(session) -> None:
    """Every household and building unplaced, without the rollup triggers (not timed).

    The owner disables its own tables' triggers (session_replication_role would need a
    superuser); the run's variant sets them afterwards, and the round is rolled back."""
    set_triggers(session, enabled=False)
    session.execute(text("DELETE FROM household_own_cells"))
    session.execute(text("DELETE FROM building_cells"))


def set_triggers(session, *, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    for table, trigger in TRIGGERS:
        session.execute(text(f'ALTER TABLE {table} {verb} TRIGGER "{trigger}"'))  # constants


def one_run(session, variant: str) -> float:
    from gis.people.assignment import assign_households
    from gis.people.rollups import refresh_generation

    session.execute(text("SAVEPOINT bench_run"))
    clear_placements(session)
    set_triggers(session, enabled=variant == "triggers")
    started = time.perf_counter()
    result = assign_households(session, refresh=False)
    if variant == "full refresh":
        refresh_generation(session, generation_id=result.generation_id)
    elapsed = time.perf_counter() - started
    session.execute(text("ROLLBACK TO SAVEPOINT bench_run"))
    return elapsed


def run(*, rounds: int = 2) -> dict[str, list[float]]:
    from sqlalchemy.orm import Session

    db = engine()
    times: dict[str, list[float]] = {"join only": [], "triggers": [], "full refresh": []}
    try:
        with Session(db) as session:
            for _ in range(rounds):
                for variant in times:  # same order each round; rounds interleave variants
                    times[variant].append(one_run(session, variant))
                    print(f"  {variant}: {times[variant][-1]:.2f} s", flush=True)
            session.rollback()
    finally:
        db.dispose()
    return times


def summary(times: dict[str, list[float]]) -> list[list[str]]:
    floor = statistics.median(times["join only"])
    return [[variant, f"{statistics.median(t):.2f} s ({min(t):.2f}-{max(t):.2f})",
             f"{statistics.median(t) / floor:.2f}x", str(len(t))]
            for variant, t in times.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print_table("bulk assignment and its rollups, median (min-max)",
                ["variant", "time", "vs join only", "rounds"], summary(run(rounds=args.rounds)))


if __name__ == "__main__":
    main()
