-- A person (or special-population record) added to, or removed from, a household while
-- another transaction gives that household its FIRST cell (an own placement or its
-- building's placement INSERTed): the two writers locked no rollup row in common (the
-- person's writer found no cell), so the person's writer counted nothing and the placing
-- writer, reading the household's weights (0032), did not see the uncommitted person: the
-- cell's rollup was off by one until `onegrid people rollups --commit`
-- (tests/gis/test_rollups_race.py: 14 of its 24 cases fail on 0032).
-- Moves and removals of placements were already exact: both writers lock the old cell's
-- rollup row, and the persons/records writers read the cells again once it is locked.
-- One exception fixed here too: persons DELETEd while their household moves recounted
-- only the old cell (the delete path read the cells once); it now reads them again once
-- they are locked, as the insert path does.
--
-- Now the writers meet on the household's row, before any cell is locked:
--  - persons' and records' writers (insert, update, delete) lock the households they
--    join FOR SHARE, one statement over the transition table, in id order (they do not
--    wait for each other, nor for foreign-key checks' FOR KEY SHARE);
--  - a placement INSERT (household_own_cells, building_cells: a first cell) locks the
--    households it places FOR NO KEY UPDATE, in id order. An UPDATE of households (e.g.
--    an assignment writing a household's unlocated_reason, a relocation) already holds
--    the row. Placement UPDATEs and DELETEs (moves, removals) take no extra lock.
-- Whichever writer is second waits for the first to commit and then, in its next
-- statement (PL/pgSQL takes a new snapshot per statement under READ COMMITTED), reads
-- what the first wrote: the placing writer its weights, the person's writer its cell.
-- Lock order: households (id order) -> cells' rollup rows (id order) -> weights.
--
-- Cost: one row lock per household given a first cell (a bulk assignment after every
-- placement was cleared locks every household) and per household joined by a persons'
-- or records' statement; bench/rollup_writes.py ("deltas" vs "deltas, 0032") measures it.
-- Deadlocks: an import adding persons to EXISTING households statement by statement (in
-- file order) and a bulk placement of the same households (id order) can deadlock;
-- PostgreSQL undoes one side (40P01), the API answers 409 "try again", the CLI "run the
-- command again" (exit 75) (tests/gis/test_rollups_race_deadlock.py). New households of
-- an import are invisible to other writers until it commits: no wait on those.
--
-- The four functions are 0032's (migrations/sql/0032_rollup_weights_upgrade.sql) with only
-- the steps marked "0033" added; the downgrade restores 0032's bodies verbatim.

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

------------------------------------------------------------------ persons
-- As 0027_rollup_deltas for the cells; then the weights: persons added count +1 in their
-- household (a new person has no records yet); a person moved to another household takes
-- its 1 and its records (all of them, keyed by open_until) from the old household to the
-- new one; deleted persons recount their households' weights (their records are gone).
-- Households that no longer exist (a household's delete, whose cascade sets its
-- persons' household to NULL) get nothing.
CREATE OR REPLACE FUNCTION onegrid_rollup_persons() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rows_changed text;
    query text;
    deltas onegrid_rollup_delta[];
    touched bigint[];
    households_touched bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- 0033: the persons' households, FOR SHARE in id order, before their cells are
        -- read (as for persons added, below).
        EXECUTE 'SELECT 1 FROM households AS h
                 WHERE h.id IN (SELECT o.household_id FROM old_rows AS o)
                 ORDER BY h.id FOR SHARE';
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched FROM household_cells AS hc
        WHERE hc.household_id IN (SELECT o.household_id FROM old_rows AS o);
        -- 0033: twice, as for persons added: where they count now, then again once those
        -- cells are locked (a new statement: a writer we waited for may have moved the
        -- household meanwhile; both cells are recounted).
        PERFORM onegrid_rollup_lock_cells(touched);
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT unnest(touched) AS cell_id
            UNION
            SELECT hc.cell_id FROM household_cells AS hc
            WHERE hc.household_id IN (SELECT o.household_id FROM old_rows AS o)) AS cells;
        IF touched IS NOT NULL THEN
            PERFORM onegrid_rollup_refresh(touched);
        END IF;
        SELECT array_agg(DISTINCT o.household_id ORDER BY o.household_id)
        INTO households_touched FROM old_rows AS o WHERE o.household_id IS NOT NULL;
        IF households_touched IS NOT NULL THEN
            PERFORM onegrid_household_weights_recount(households_touched);
        END IF;
        RETURN NULL;
    END IF;
    rows_changed := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT id AS person_id, household_id, 1 AS sign FROM new_rows'
        ELSE 'SELECT n.id, n.household_id, 1 FROM old_rows AS o JOIN new_rows AS n
              ON n.id = o.id AND n.household_id IS DISTINCT FROM o.household_id
              UNION ALL
              SELECT o.id, o.household_id, -1 FROM old_rows AS o JOIN new_rows AS n
              ON n.id = o.id AND n.household_id IS DISTINCT FROM o.household_id' END;
    query := format($sql$
        WITH changed (person_id, household_id, sign) AS MATERIALIZED (%s),
        moved AS MATERIALIZED (
            SELECT c.person_id, oc.cell_id, c.sign
            FROM changed AS c JOIN household_own_cells AS oc ON oc.household_id = c.household_id
            UNION ALL
            SELECT c.person_id, bc.cell_id, c.sign
            FROM changed AS c
            JOIN households AS h ON h.id = c.household_id AND h.located_by = 'building'
            JOIN building_cells AS bc ON bc.building_id = h.building_id
        ),
        weights AS (
            SELECT m.cell_id, NULL::text AS category, NULL::text AS level,
                   m.sign AS residents, 0 AS n
            FROM moved AS m
            UNION ALL
            SELECT m.cell_id, r.category_code, r.concern_level, 0, m.sign
            FROM moved AS m JOIN special_population_records AS r ON r.person_id = m.person_id
            WHERE r.end_date IS NULL OR r.end_date >= current_date
        )
        SELECT array_agg(ROW(cell_id, 0, 0, residents, category, level, n)
                         ::onegrid_rollup_delta)
        FROM (SELECT cell_id, category, level, sum(residents)::integer AS residents,
                     sum(n)::integer AS n
              FROM weights GROUP BY cell_id, category, level) AS summed
        $sql$, rows_changed);
    -- 0033: the households the persons join, FOR SHARE in id order, before their cells
    -- are read: a writer placing one of them (FOR NO KEY UPDATE, above) has committed
    -- (this function's next statements see its placement) or waits for us.
    EXECUTE 'SELECT 1 FROM households WHERE id IN (SELECT c.household_id FROM ('
            || rows_changed || ') AS c (person_id, household_id, sign)) '
            || 'ORDER BY id FOR SHARE';
    -- Twice: where the rows count now, then again once those cells are locked (a new
    -- statement: a writer we waited for may have moved the household meanwhile).
    EXECUTE query INTO deltas;
    PERFORM onegrid_rollup_lock_cells(onegrid_rollup_cells(deltas));
    EXECUTE query INTO deltas;
    PERFORM onegrid_rollup_apply(deltas);
    -- The households' weights, after their cells (one lock order), in household id order.
    EXECUTE format($sql$
        WITH changed (person_id, household_id, sign) AS MATERIALIZED (%s)
        INSERT INTO household_weights AS w (household_id, residents)
        SELECT c.household_id, sum(c.sign)::integer
        FROM changed AS c JOIN households AS h ON h.id = c.household_id
        GROUP BY c.household_id HAVING sum(c.sign) <> 0
        ORDER BY c.household_id
        ON CONFLICT (household_id) DO UPDATE SET residents = w.residents + excluded.residents
        $sql$, rows_changed);
    IF TG_OP = 'UPDATE' THEN  -- moved persons take their records along
        EXECUTE format($sql$
            WITH changed (person_id, household_id, sign) AS MATERIALIZED (%s)
            INSERT INTO household_special_weights AS w (household_id, category_code,
                                                       concern_level, open_until, n)
            SELECT c.household_id, r.category_code, r.concern_level,
                   coalesce(r.end_date, 'infinity'), sum(c.sign)::integer
            FROM changed AS c
            JOIN households AS h ON h.id = c.household_id
            JOIN special_population_records AS r ON r.person_id = c.person_id
            GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (household_id, category_code, concern_level, open_until)
            DO UPDATE SET n = w.n + excluded.n
            $sql$, rows_changed);
    END IF;
    RETURN NULL;
END $$;

------------------------------------------------------------------ special populations
-- As 0027_rollup_deltas for the cells; then the weights: every record added, removed or
-- changed (person, category, level or end date; open or not: the weights are keyed by
-- open_until, the reader applies the date rule) adds +1/-1 to its person's household. A
-- record deleted with its person (the cascade) finds no person: the persons trigger
-- recounts that household's weights.
CREATE OR REPLACE FUNCTION onegrid_rollup_special() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rows_changed text;
    records_changed text;
    query text;
    deltas onegrid_rollup_delta[];
BEGIN
    rows_changed := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT person_id, category_code, concern_level, 1 AS sign
                            FROM new_rows
                            WHERE end_date IS NULL OR end_date >= current_date'
        WHEN 'DELETE' THEN 'SELECT person_id, category_code, concern_level, -1 AS sign
                            FROM old_rows
                            WHERE end_date IS NULL OR end_date >= current_date'
        ELSE 'SELECT n.person_id, n.category_code, n.concern_level, 1 AS sign
              FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
              WHERE (o.person_id, o.category_code, o.concern_level, o.end_date)
                    IS DISTINCT FROM (n.person_id, n.category_code, n.concern_level, n.end_date)
                AND (n.end_date IS NULL OR n.end_date >= current_date)
              UNION ALL
              SELECT o.person_id, o.category_code, o.concern_level, -1
              FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
              WHERE (o.person_id, o.category_code, o.concern_level, o.end_date)
                    IS DISTINCT FROM (n.person_id, n.category_code, n.concern_level, n.end_date)
                AND (o.end_date IS NULL OR o.end_date >= current_date)' END;
    query := format($sql$
        WITH changed AS MATERIALIZED (
            SELECT c.category_code, c.concern_level, c.sign, p.household_id
            FROM (%s) AS c JOIN persons AS p ON p.id = c.person_id
        ),
        placed AS (
            SELECT oc.cell_id, c.category_code, c.concern_level, c.sign
            FROM changed AS c JOIN household_own_cells AS oc ON oc.household_id = c.household_id
            UNION ALL
            SELECT bc.cell_id, c.category_code, c.concern_level, c.sign
            FROM changed AS c
            JOIN households AS h ON h.id = c.household_id AND h.located_by = 'building'
            JOIN building_cells AS bc ON bc.building_id = h.building_id
        )
        SELECT array_agg(ROW(cell_id, 0, 0, 0, category_code, concern_level, n)
                         ::onegrid_rollup_delta)
        FROM (SELECT cell_id, category_code, concern_level, sum(sign)::integer AS n
              FROM placed GROUP BY cell_id, category_code, concern_level) AS summed
        $sql$, rows_changed);
    -- 0033: the households of the records' persons, FOR SHARE in id order, before their
    -- cells are read, as for persons.
    EXECUTE 'SELECT 1 FROM households WHERE id IN (SELECT p.household_id FROM ('
            || rows_changed || ') AS c (person_id, category_code, concern_level, sign) '
            || 'JOIN persons AS p ON p.id = c.person_id) '
            || 'ORDER BY id FOR SHARE';
    -- Twice: where the rows count now, then again once those cells are locked (a new
    -- statement: a writer we waited for may have moved the household meanwhile).
    EXECUTE query INTO deltas;
    PERFORM onegrid_rollup_lock_cells(onegrid_rollup_cells(deltas));
    EXECUTE query INTO deltas;
    PERFORM onegrid_rollup_apply(deltas);
    -- The households' weights, after their cells (one lock order), in key order.
    records_changed := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT person_id, category_code, concern_level, end_date,
                                   1 AS sign FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT person_id, category_code, concern_level, end_date,
                                   -1 AS sign FROM old_rows'
        ELSE 'SELECT n.person_id, n.category_code, n.concern_level, n.end_date, 1 AS sign
              FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
              WHERE (o.person_id, o.category_code, o.concern_level, o.end_date)
                    IS DISTINCT FROM (n.person_id, n.category_code, n.concern_level, n.end_date)
              UNION ALL
              SELECT o.person_id, o.category_code, o.concern_level, o.end_date, -1
              FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
              WHERE (o.person_id, o.category_code, o.concern_level, o.end_date)
                    IS DISTINCT FROM (n.person_id, n.category_code, n.concern_level, n.end_date)'
        END;
    EXECUTE format($sql$
        INSERT INTO household_special_weights AS w (household_id, category_code,
                                                   concern_level, open_until, n)
        SELECT p.household_id, c.category_code, c.concern_level,
               coalesce(c.end_date, 'infinity'), sum(c.sign)::integer
        FROM (%s) AS c
        JOIN persons AS p ON p.id = c.person_id
        JOIN households AS h ON h.id = p.household_id
        GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (household_id, category_code, concern_level, open_until)
        DO UPDATE SET n = w.n + excluded.n
        $sql$, records_changed);
    RETURN NULL;
END $$;
