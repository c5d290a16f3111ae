-- Back to 0033_rollup_race: its two placement functions, verbatim (copied from
-- migrations/sql/0033_rollup_race_upgrade.sql), without 0034's probes and table lock.

------------------------------------------------------------------ placements
-- Own placements added, removed, or moved to another cell. The cells to lock and the
-- count come from the placements alone (each has its household: a foreign key); the
-- households are joined once, for the deltas.
CREATE OR REPLACE FUNCTION onegrid_rollup_own_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    placements text;
    moved text;
    how_many bigint;
    cells bigint[];
    deltas onegrid_rollup_delta[];
BEGIN
    placements := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT household_id, cell_id, 1 AS sign FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT household_id, cell_id, -1 AS sign FROM old_rows'
        ELSE '(SELECT household_id, cell_id, 1 AS sign FROM new_rows
               EXCEPT ALL SELECT household_id, cell_id, 1 FROM old_rows)
              UNION ALL
              (SELECT household_id, cell_id, -1 FROM old_rows
               EXCEPT ALL SELECT household_id, cell_id, -1 FROM new_rows)' END;
    moved := 'SELECT pl.household_id, pl.cell_id, pl.sign, h.members
               FROM (' || placements || ') AS pl
               JOIN households AS h ON h.id = pl.household_id';
    -- The cells where households move (none: nothing to count, nor to lock), locked
    -- before the households' weights are read (the next statement, a new snapshot): a
    -- person added to a moved household by a writer we waited for counts.
    EXECUTE 'SELECT count(*), array_agg(DISTINCT cell_id) FROM (' || placements || ') AS pl'
        INTO how_many, cells;
    IF how_many = 0 THEN
        RETURN NULL;
    END IF;
    -- 0033: households placed in their first own cell (an INSERT), FOR NO KEY UPDATE in
    -- id order, before the cells: a writer adding a person or record to one of them
    -- (FOR SHARE, below) has committed (the weights read next, a new statement, count
    -- it) or waits for us. Moves and removals need no lock: the writers meet on the old
    -- cell's rollup row, which both lock.
    -- EXECUTE: planned with the transition table's real row count (a few households:
    -- probes of the primary key; a bulk assignment: one hash join, then the sort).
    IF TG_OP = 'INSERT' THEN
        EXECUTE 'SELECT 1 FROM households AS h
                 WHERE h.id IN (SELECT n.household_id FROM new_rows AS n)
                 ORDER BY h.id FOR NO KEY UPDATE';
    END IF;
    PERFORM onegrid_rollup_lock_cells(cells);
    EXECUTE format(onegrid_rollup_moves_sql(onegrid_rollup_bulk(how_many)), moved)
        INTO deltas;
    PERFORM onegrid_rollup_apply(deltas);
    RETURN NULL;
END $$;

-- Buildings placed, removed or moved: as own placements, the cells to lock from the
-- placements alone.
CREATE OR REPLACE FUNCTION onegrid_rollup_building_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    placements text;
    moved text;
    how_many bigint;
    cells bigint[];
    deltas onegrid_rollup_delta[];
BEGIN
    placements := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT building_id, cell_id, 1 AS sign FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT building_id, cell_id, -1 AS sign FROM old_rows'
        ELSE '(SELECT building_id, cell_id, 1 AS sign FROM new_rows
               EXCEPT ALL SELECT building_id, cell_id, 1 FROM old_rows)
              UNION ALL
              (SELECT building_id, cell_id, -1 FROM old_rows
               EXCEPT ALL SELECT building_id, cell_id, -1 FROM new_rows)' END;
    moved := 'SELECT h.id AS household_id, pl.cell_id, pl.sign, h.members
               FROM (' || placements || ') AS pl
               JOIN households AS h ON h.building_id = pl.building_id
                                   AND h.located_by = ''building''';
    -- The cells of the placements whose buildings hold households (none: nothing to
    -- count, nor to lock), locked before the households' weights are read (the next
    -- statement, a new snapshot): a person added to a moved household by a writer we
    -- waited for counts. A semi-join answered from ix_households_building (building_id,
    -- id) INCLUDE (located_by), no heap visit; the households' rows are joined once, for
    -- the deltas. A building without households touches no rollup row: locking (and
    -- creating) the row of a cell outside the writer's area would be refused by
    -- row-level security (a planner's dry run of buildings beyond its area must say
    -- which rows are outside, not fail).
    EXECUTE 'SELECT count(*), array_agg(DISTINCT cell_id) FROM (' || placements || ') AS pl
             WHERE EXISTS (SELECT 1 FROM households AS h
                           WHERE h.building_id = pl.building_id
                             AND h.located_by = ''building'')'
        INTO how_many, cells;
    IF how_many = 0 THEN
        RETURN NULL;
    END IF;
    -- 0033: the households of buildings placed in their first cell (an INSERT), FOR NO
    -- KEY UPDATE in id order, before the cells, as for own placements.
    IF TG_OP = 'INSERT' THEN
        EXECUTE 'SELECT 1 FROM households AS h
                 WHERE h.located_by = ''building''
                   AND h.building_id IN (SELECT n.building_id FROM new_rows AS n)
                 ORDER BY h.id FOR NO KEY UPDATE';
    END IF;
    PERFORM onegrid_rollup_lock_cells(cells);
    EXECUTE format(onegrid_rollup_moves_sql(onegrid_rollup_bulk(how_many)), moved)
        INTO deltas;
    PERFORM onegrid_rollup_apply(deltas);
    RETURN NULL;
END $$;

DROP FUNCTION onegrid_rollup_restore_joins(boolean);
DROP FUNCTION onegrid_rollup_probe_joins(boolean);
DROP FUNCTION onegrid_rollup_probes(bigint, regclass);
