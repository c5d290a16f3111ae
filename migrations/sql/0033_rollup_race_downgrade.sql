-- Back to 0032_rollup_weights: its four trigger functions, verbatim (copied from
-- migrations/sql/0032_rollup_weights_upgrade.sql), without the household locks.

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
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched FROM household_cells AS hc
        WHERE hc.household_id IN (SELECT o.household_id FROM old_rows AS o);
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
