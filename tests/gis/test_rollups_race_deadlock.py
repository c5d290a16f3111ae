"""The price of 0033_rollup_race's household locks: a writer adding persons to existing
households statement by statement (an import of persons, row by row) and a bulk placement
of the same households can wait for each other (the import locked a later household FOR
SHARE, the placement locked the earlier ones in id order and waits for that one, the
import's next statement wants an earlier one). PostgreSQL detects the deadlock and undoes
one transaction with DeadlockDetected (40P01), which the API answers with a 409 "try
again" and the CLI with "run the command again" (exit 75): nothing half-written, and after
the loser's retry the rollups are exact."""
from __future__ import annotations

import threading

from psycopg import errors
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from gis.db import sqlalchemy_url
from tests.gis.test_rollups_race import WEST, rollups_and_recount

ADD_TO = "INSERT INTO persons (household_id, name) SELECT id, '甲' FROM households " \
         "WHERE external_id = '{}'"
PLACE_BOTH = ("INSERT INTO household_own_cells (household_id, cell_id) SELECT h.id, c.id "
              "FROM households h, grid_cells c WHERE h.external_id IN ('a', 'b') "
              f"AND c.code = '{WEST}' ORDER BY h.id DESC")


def test_an_import_and_a_placement_that_deadlock_lose_one_side_which_can_retry(
        committed_grid_url):
    engine = create_engine(sqlalchemy_url(committed_grid_url), pool_size=3)
    importer, placer = engine.connect(), engine.connect()
    try:
        with engine.begin() as setup:  # 'a' has the lower id
            setup.execute(text("INSERT INTO households (external_id, located_by) "
                               "VALUES ('a', 'manual'), ('b', 'manual')"))
        placer_pid = placer.execute(text("SELECT pg_backend_pid()")).scalar_one()
        placer.commit()
        importer.begin()
        importer.execute(text(ADD_TO.format("b")))  # holds b FOR SHARE
        outcome: list[BaseException | None] = []

        def place():
            try:
                placer.execute(text(PLACE_BOTH))  # locks a, waits for b
                placer.commit()
                outcome.append(None)
            except BaseException as error:
                placer.rollback()
                outcome.append(error)

        thread = threading.Thread(target=place)
        thread.start()
        with engine.connect() as watcher:
            while thread.is_alive() and not watcher.execute(text(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                    {"p": placer_pid}).scalar():
                watcher.rollback()
        importer_lost = None
        try:
            importer.execute(text(ADD_TO.format("a")))  # wants a: held by the placement
            importer.commit()
        except DBAPIError as error:
            importer.rollback()
            importer_lost = error
        thread.join(timeout=60)
        placer_lost = outcome[0]
        losers = [e for e in (importer_lost, placer_lost) if e is not None]
        assert len(losers) == 1, losers  # exactly one side undone, the other committed
        assert isinstance(getattr(losers[0], "orig", None), errors.DeadlockDetected)
        if importer_lost is not None:  # the retry
            with engine.begin() as retry:
                retry.execute(text(ADD_TO.format("b")))
                retry.execute(text(ADD_TO.format("a")))
        else:
            with engine.begin() as retry:
                retry.execute(text(PLACE_BOTH))
        kept, recounted = rollups_and_recount(engine)
        assert recounted[WEST][:2] == (2, 2)
        assert kept[WEST] == recounted[WEST]
    finally:
        importer.close()
        placer.close()
        engine.dispose()
