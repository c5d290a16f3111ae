-- Back to 0027_rollup_deltas: the trigger functions read residents and records from
-- persons and special_population_records again (copied from
-- migrations/sql/0027_rollup_deltas_upgrade.sql), and the weights are dropped.
SELECT set_config('onegrid.scope_all', 'on', true);

-- 0027 functions: begin
CREATE OR REPLACE FUNCTION onegrid_rollup_moves_sql(bulk boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$ SELECT CASE WHEN bulk THEN $sql$
WITH moved AS MATERIALIZED (%s),
residents AS (
    SELECT household_id, count(*) AS n FROM persons GROUP BY household_id
),
specials AS (
    SELECT p.household_id, r.category_code, r.concern_level, count(*) AS n
    FROM special_population_records AS r JOIN persons AS p ON p.id = r.person_id
    WHERE r.end_date IS NULL OR r.end_date >= current_date
    GROUP BY p.household_id, r.category_code, r.concern_level
),
weights AS (
    SELECT m.cell_id, m.sign AS households, m.sign * m.members AS members,
           m.sign * coalesce(rs.n, 0) AS residents, NULL::text AS category,
           NULL::text AS level, 0 AS n
    FROM moved AS m LEFT JOIN residents AS rs ON rs.household_id = m.household_id
    UNION ALL
    SELECT m.cell_id, 0, 0, 0, s.category_code, s.concern_level, m.sign * s.n
    FROM moved AS m JOIN specials AS s ON s.household_id = m.household_id
)
$sql$ ELSE $sql$
WITH moved AS MATERIALIZED (%s),
weights AS (
    SELECT m.cell_id, m.sign AS households, m.sign * m.members AS members,
           0 AS residents, NULL::text AS category, NULL::text AS level, 0 AS n
    FROM moved AS m
    UNION ALL
    SELECT m.cell_id, 0, 0, m.sign, NULL, NULL, 0
    FROM moved AS m JOIN persons AS p ON p.household_id = m.household_id
    UNION ALL
    SELECT m.cell_id, 0, 0, 0, r.category_code, r.concern_level, m.sign
    FROM moved AS m
    JOIN persons AS p ON p.household_id = m.household_id
    JOIN special_population_records AS r ON r.person_id = p.id
    WHERE r.end_date IS NULL OR r.end_date >= current_date
)
$sql$ END || $sql$
SELECT array_agg(ROW(cell_id, households, members, residents, category, level, n)
                 ::onegrid_rollup_delta)
FROM (SELECT cell_id, category, level, sum(households)::integer AS households,
             sum(members)::integer AS members, sum(residents)::integer AS residents,
             sum(n)::integer AS n
      FROM weights GROUP BY cell_id, category, level) AS summed
$sql$ $fn$;

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
    EXECUTE 'SELECT count(*), array_agg(DISTINCT cell_id) FROM (' || moved || ') AS m'
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

CREATE OR REPLACE FUNCTION onegrid_rollup_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rows_changed text;
    how_many bigint;
    cells bigint[];
    deltas onegrid_rollup_delta[];
    touched bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM old_rows AS o
            JOIN household_own_cells AS oc ON oc.household_id = o.id
            UNION ALL
            SELECT bc.cell_id FROM old_rows AS o
            JOIN building_cells AS bc ON bc.building_id = o.building_id
            WHERE o.located_by = 'building') AS cells;
        IF touched IS NOT NULL THEN
            PERFORM onegrid_rollup_refresh(touched);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
      FOR pass IN 1..2 LOOP  -- where they count now; again once those cells are locked
        -- A placement written by this same SQL command (a writable CTE that inserts
        -- the household and its placement) is counted by the placement's trigger, which
        -- sees this household: same transaction (xmin) and command (cmin) as its row.
        WITH placed AS (
            SELECT oc.cell_id, n.members FROM new_rows AS n
            JOIN household_own_cells AS oc ON oc.household_id = n.id
            JOIN households AS h ON h.id = n.id
            WHERE NOT (oc.xmin = h.xmin AND oc.cmin = h.cmin)
            UNION ALL
            SELECT bc.cell_id, n.members FROM new_rows AS n
            JOIN building_cells AS bc ON bc.building_id = n.building_id
            JOIN households AS h ON h.id = n.id
            WHERE n.located_by = 'building' AND NOT (bc.xmin = h.xmin AND bc.cmin = h.cmin)
        )
        SELECT array_agg(ROW(cell_id, households, members, 0, NULL, NULL, 0)
                         ::onegrid_rollup_delta) INTO deltas
        FROM (SELECT cell_id, count(*)::integer AS households,
                     sum(members)::integer AS members
              FROM placed GROUP BY cell_id) AS summed;
        IF pass = 1 THEN
            PERFORM onegrid_rollup_lock_cells(onegrid_rollup_cells(deltas));
        END IF;
      END LOOP;
        PERFORM onegrid_rollup_apply(deltas);
        RETURN NULL;
    END IF;
    rows_changed := 'SELECT n.id, n.building_id, n.located_by, n.members, 1 AS sign
                     FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
                     WHERE (o.building_id, o.located_by, o.members)
                           IS DISTINCT FROM (n.building_id, n.located_by, n.members)
                     UNION ALL
                     SELECT o.id, o.building_id, o.located_by, o.members, -1
                     FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
                     WHERE (o.building_id, o.located_by, o.members)
                           IS DISTINCT FROM (n.building_id, n.located_by, n.members)';
    EXECUTE 'SELECT count(*) FROM (' || rows_changed || ') AS c' INTO how_many;
    IF how_many = 0 THEN  -- e.g. an assignment writing only households' reasons
        RETURN NULL;
    END IF;
    EXECUTE 'WITH c AS MATERIALIZED (' || rows_changed || ')
             SELECT array_agg(DISTINCT cell_id) FROM (
                 SELECT oc.cell_id FROM c JOIN household_own_cells AS oc ON oc.household_id = c.id
                 UNION ALL
                 SELECT bc.cell_id FROM c JOIN building_cells AS bc ON bc.building_id = c.building_id
                 WHERE c.located_by = ''building'') AS cells' INTO cells;
    PERFORM onegrid_rollup_lock_cells(cells);  -- before the weights, as for placements
    EXECUTE format(onegrid_rollup_moves_sql(onegrid_rollup_bulk(how_many)),
                   'WITH changed (id, building_id, located_by, members, sign)
                    AS MATERIALIZED (' || rows_changed || ')
                    SELECT c.id AS household_id, oc.cell_id, c.sign, c.members
                    FROM changed AS c JOIN household_own_cells AS oc ON oc.household_id = c.id
                    UNION ALL
                    SELECT c.id, bc.cell_id, c.sign, c.members
                    FROM changed AS c JOIN building_cells AS bc ON bc.building_id = c.building_id
                    WHERE c.located_by = ''building''') INTO deltas;
    PERFORM onegrid_rollup_apply(deltas);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION onegrid_rollup_persons() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rows_changed text;
    query text;
    deltas onegrid_rollup_delta[];
    touched bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched FROM household_cells AS hc
        WHERE hc.household_id IN (SELECT o.household_id FROM old_rows AS o);
        IF touched IS NOT NULL THEN
            PERFORM onegrid_rollup_refresh(touched);
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
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION onegrid_rollup_special() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rows_changed text;
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
    RETURN NULL;
END $$;

-- Buildings placed, removed or moved: their households located by the building move.
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
    -- The cells where households move (none: nothing to count, nor to lock), locked
    -- before the households' weights are read (the next statement, a new snapshot): a
    -- person added to a moved household by a writer we waited for counts.
    EXECUTE 'SELECT count(*), array_agg(DISTINCT cell_id) FROM (' || moved || ') AS m'
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

-- 0027 functions: end

DROP FUNCTION onegrid_household_weights_forget(bigint[]);
DROP FUNCTION onegrid_household_weights_rebuild();
DROP FUNCTION onegrid_household_weights_recount(bigint[]);
DROP TABLE household_special_weights;
DROP TABLE household_weights;
