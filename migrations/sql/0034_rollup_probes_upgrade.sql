-- What a placement statement costs follows the rows it changed, not the tables' sizes.
--
-- 1. Small moves read whole tables. The deltas of a placement statement (0032's
--    onegrid_rollup_moves_sql, one query whatever the size) join the moved placements
--    with households and the weights. The planner misjudges how many households a few
--    buildings hold (1,500 buildings moved on the city demo, 1M households: 64k estimated,
--    19k real) and hash-joins ALL households (a sequential scan, 63 MB hash) and ALL
--    household_weights (55 MB): moving a few buildings cost as much as the city is big.
--    Now a statement that changed few rows compared with the table its rows point at
--    (onegrid_rollup_probes, below) computes the same deltas by index probes: hash and
--    merge joins are switched off for that one query (set_config(..., true), restored
--    right after; an error aborts the transaction or the caller's subtransaction, which
--    undoes the setting), so households are probed by ix_households_building (building
--    placements) or households_pkey (own placements), and the weights by their primary
--    keys. A bulk statement keeps 0033's plan (a hash join is right for 1M rows).
--    City demo, 1% of buildings moved (1,500; 18,884 households): the deltas query
--    337 ms -> 114 ms (EXPLAIN ANALYZE); the statement 0.43 s -> 0.28 s (bench.rollup_writes).
-- 2. Bulk first placements locked every household. 0033 locks the households given a
--    first cell FOR NO KEY UPDATE, in id order, so that a concurrent writer of persons or
--    records (FOR SHARE on the households it joins) and the placing writer meet: a bulk
--    assignment of 1M households took as many row locks (city demo, bulk assignment:
--    5.2 s on 0033, 3.5 s on 0032; 3.3 s with this lock). A bulk placement now takes one
--    table lock instead:
--        LOCK TABLE persons, special_population_records IN SHARE MODE
--    SHARE conflicts with the ROW EXCLUSIVE every INSERT/UPDATE/DELETE of those tables
--    holds until its transaction ends: the placing writer waits for the writers in
--    flight, and its next statement (a new snapshot under READ COMMITTED) reads their
--    committed weights; a writer that comes later waits for the placing transaction to
--    end, and its trigger's later statements see the committed placement. The app role
--    may take it (SHARE MODE needs UPDATE, DELETE or TRUNCATE: 0003/0009 grant SELECT,
--    INSERT, UPDATE, DELETE on every table). The price: while a bulk placement's
--    transaction is open, every writer of persons and records waits (not only those of
--    the households placed), and one already holding a household row the placing
--    transaction updated deadlocks with it (PostgreSQL undoes one side, 40P01: the API's
--    409, the CLI's exit 75, as for 0033). Small placements keep 0033's row locks.
--
-- The rule (onegrid_rollup_probes): a statement is small when it changed at most
-- onegrid.rollup_bulk_rows rows (0027's setting, default 1,000), or fewer than
-- onegrid.rollup_probe_share (default 0.05) of the rows the table it points at holds
-- (pg_class.reltuples: buildings for building placements, households for own
-- placements; a table never analysed counts as empty). Tests set both to 0 to run the
-- bulk way on tiny data.
--
-- The two placement functions are 0033's (migrations/sql/0033_rollup_race_upgrade.sql)
-- with only the steps marked "0034" changed; the downgrade restores 0033's bodies verbatim.

CREATE FUNCTION onegrid_rollup_probes(rows_changed bigint, pointed_at regclass)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT NOT onegrid_rollup_bulk(rows_changed)
        OR rows_changed < coalesce(nullif(current_setting('onegrid.rollup_probe_share', true),
                                          '')::float8, 0.05)
                          * (SELECT greatest(c.reltuples, 0) FROM pg_class AS c
                             WHERE c.oid = pointed_at)
$$;

-- The deltas of moved placements, by index probes when probes is true: hash and merge
-- joins off for this one query, the caller's settings back after it.
CREATE FUNCTION onegrid_rollup_probe_joins(probes boolean) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF probes THEN
        PERFORM set_config('onegrid.rollup_saved_joins',
                           current_setting('enable_hashjoin') || ','
                           || current_setting('enable_mergejoin'), true);
        PERFORM set_config('enable_hashjoin', 'off', true);
        PERFORM set_config('enable_mergejoin', 'off', true);
    END IF;
END $$;

CREATE FUNCTION onegrid_rollup_restore_joins(probes boolean) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    saved text[];
BEGIN
    IF probes THEN
        saved := string_to_array(current_setting('onegrid.rollup_saved_joins'), ',');
        PERFORM set_config('enable_hashjoin', saved[1], true);
        PERFORM set_config('enable_mergejoin', saved[2], true);
    END IF;
END $$;

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
    probes boolean;
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
    -- 0034: few placements compared with the households: index probes, row locks.
    probes := onegrid_rollup_probes(how_many, 'households');
    -- 0033: households placed in their first own cell (an INSERT), FOR NO KEY UPDATE in
    -- id order, before the cells: a writer adding a person or record to one of them
    -- (FOR SHARE, below) has committed (the weights read next, a new statement, count
    -- it) or waits for us. Moves and removals need no lock: the writers meet on the old
    -- cell's rollup row, which both lock.
    -- EXECUTE: planned with the transition table's real row count (a few households:
    -- probes of the primary key; a bulk assignment: one hash join, then the sort).
    -- 0034: a bulk placement locks the persons' and records' tables instead (SHARE: their
    -- writers in flight have committed when we go on, later ones wait for us).
    IF TG_OP = 'INSERT' AND probes THEN
        EXECUTE 'SELECT 1 FROM households AS h
                 WHERE h.id IN (SELECT n.household_id FROM new_rows AS n)
                 ORDER BY h.id FOR NO KEY UPDATE';
    ELSIF TG_OP = 'INSERT' THEN
        LOCK TABLE persons, special_population_records IN SHARE MODE;
    END IF;
    PERFORM onegrid_rollup_lock_cells(cells);
    -- 0034: the deltas by index probes (households_pkey, the weights' keys) when small.
    PERFORM onegrid_rollup_probe_joins(probes);
    EXECUTE format(onegrid_rollup_moves_sql(NOT probes), moved) INTO deltas;
    PERFORM onegrid_rollup_restore_joins(probes);
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
    probes boolean;
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
    -- 0034: few buildings compared with the buildings: index probes, row locks.
    probes := onegrid_rollup_probes(how_many, 'buildings');
    -- 0033: the households of buildings placed in their first cell (an INSERT), FOR NO
    -- KEY UPDATE in id order, before the cells, as for own placements.
    -- 0034: a bulk placement locks the persons' and records' tables instead.
    IF TG_OP = 'INSERT' AND probes THEN
        EXECUTE 'SELECT 1 FROM households AS h
                 WHERE h.located_by = ''building''
                   AND h.building_id IN (SELECT n.building_id FROM new_rows AS n)
                 ORDER BY h.id FOR NO KEY UPDATE';
    ELSIF TG_OP = 'INSERT' THEN
        LOCK TABLE persons, special_population_records IN SHARE MODE;
    END IF;
    PERFORM onegrid_rollup_lock_cells(cells);
    -- 0034: the deltas by index probes (ix_households_building, the weights' keys) when
    -- small.
    PERFORM onegrid_rollup_probe_joins(probes);
    EXECUTE format(onegrid_rollup_moves_sql(NOT probes), moved) INTO deltas;
    PERFORM onegrid_rollup_restore_joins(probes);
    PERFORM onegrid_rollup_apply(deltas);
    RETURN NULL;
END $$;
