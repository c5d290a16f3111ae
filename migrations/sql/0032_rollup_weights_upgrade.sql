-- Row-level security (FORCEd on the weights, as on cell_rollups) would hide rows from an
-- owner without BYPASSRLS: this transaction fills every household's weights.
SELECT set_config('onegrid.scope_all', 'on', true);

-- Per-household weights for the rollup deltas (issue 13).
--
-- Before (0027_rollup_deltas): a placement statement (households placed in
-- household_own_cells, buildings in building_cells) read what each moved household
-- weighs from persons and special_population_records: for a bulk statement every
-- household's residents (a pass over all of persons) and every household's open records,
-- joined with the moved households. Placing 1M households read 2.7M persons.
-- After: what a household weighs is kept in two narrow tables, by household:
--   household_weights(household_id, residents),
--   household_special_weights(household_id, category_code, concern_level, open_until, n)
-- and a placement's upkeep joins the moved households with them (one probe per moved
-- household on the primary keys, or one hash join for a bulk statement): its work is in
-- proportion to the households moved, not to persons and records.
--
-- The weights are kept by the same statement triggers that keep cell_rollups:
--  - persons: a person added counts +1 in its household; a person moved to another
--    household moves its residents' 1 and its records from the old household to the new
--    one (deltas, upserted in household id order); persons deleted recount their
--    households' weights (their records are gone by then: the cascade ran first, the
--    same reason the cells are recounted);
--  - special_population_records: records added, removed or changed (person, category,
--    level, end date) add +1/-1 to their person's household;
--  - households: deleted households' weights are deleted (their persons' SET NULL
--    cascade finds no household to write to), by a SECURITY DEFINER function that can
--    only delete the weights of households that no longer exist (a caller with an area
--    no longer sees them: the household has no cell any more).
-- Weights are written after the cells' rollups, so every writer takes the cells' rows
-- first (in cell id order) and the weights' rows next (in household id order): one lock
-- order. A placement only reads the weights, after it locked its cells, in a new
-- statement: a writer it waited for has committed its weights with its cells' deltas.
-- Deltas (INSERT ... ON CONFLICT DO UPDATE SET n = n + delta) are exact between
-- concurrent writers of one household, as the cells' deltas are.
--
-- The date rule: special-population records count while open (no end date, or one not
-- yet passed), which changes with the date and not with a write. The weights therefore
-- count every record, keyed by the day it stays open until (open_until: its end date, or
-- 'infinity'), and the reader keeps the rows with open_until >= current_date: exact on
-- any day, with no upkeep when the date changes.
-- Rows that fall to 0 are kept (the repair drops them); readers ignore them.
--
-- Repair: onegrid_household_weights_rebuild() recounts every household's weights (run by
-- `onegrid people rollups --commit` before it recounts the cells).
--
-- Placement triggers also no longer evaluate their moved households twice: the cells to
-- lock come from the placements alone (own placements: every placement has its
-- household), and the moved households are joined with households once, for the deltas.

CREATE TABLE household_weights (
    household_id bigint PRIMARY KEY,
    residents    integer NOT NULL
);

CREATE TABLE household_special_weights (
    household_id  bigint NOT NULL,
    category_code text NOT NULL,
    concern_level text NOT NULL,
    open_until    date NOT NULL,  -- the record's end date; 'infinity' when it has none
    n             integer NOT NULL,
    PRIMARY KEY (household_id, category_code, concern_level, open_until)
);

-- What a household weighs is person data: visible as the household's persons are (the
-- caller's households, a hashed set built once per statement, 0030_person_policies),
-- written only for households of the caller's cells.
ALTER TABLE household_weights ENABLE ROW LEVEL SECURITY;
ALTER TABLE household_weights FORCE ROW LEVEL SECURITY;
CREATE POLICY household_weights_area ON household_weights
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM (SELECT onegrid_scope_household_ids() AS id) AS s
        WHERE s.id = household_weights.household_id))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = household_weights.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

ALTER TABLE household_special_weights ENABLE ROW LEVEL SECURITY;
ALTER TABLE household_special_weights FORCE ROW LEVEL SECURITY;
CREATE POLICY household_special_weights_area ON household_special_weights
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM (SELECT onegrid_scope_household_ids() AS id) AS s
        WHERE s.id = household_special_weights.household_id))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = household_special_weights.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

------------------------------------------------------------------ recount (repair)
-- The weights of these households recounted from persons and records (households that no
-- longer exist get none). Used by the persons trigger for deleted persons, after their
-- cells are locked.
CREATE FUNCTION onegrid_household_weights_recount(household_ids bigint[]) RETURNS void
LANGUAGE sql VOLATILE AS $$
DELETE FROM household_weights WHERE household_id = ANY (household_ids);
DELETE FROM household_special_weights WHERE household_id = ANY (household_ids);
INSERT INTO household_weights (household_id, residents)
SELECT p.household_id, count(*)
FROM persons AS p JOIN households AS h ON h.id = p.household_id
WHERE p.household_id = ANY (household_ids)
GROUP BY p.household_id ORDER BY p.household_id;
INSERT INTO household_special_weights (household_id, category_code, concern_level,
                                       open_until, n)
SELECT p.household_id, r.category_code, r.concern_level,
       coalesce(r.end_date, 'infinity'), count(*)
FROM special_population_records AS r
JOIN persons AS p ON p.id = r.person_id
JOIN households AS h ON h.id = p.household_id
WHERE p.household_id = ANY (household_ids)
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
$$;

-- Every household's weights recounted (repair, and this migration's backfill). The
-- tables are locked against writers first (readers go on): a writer that already wrote
-- is waited for and counted; one that writes later adds its delta to the new counts.
CREATE FUNCTION onegrid_household_weights_rebuild() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    LOCK TABLE household_weights, household_special_weights IN EXCLUSIVE MODE;
    DELETE FROM household_weights;
    DELETE FROM household_special_weights;
    INSERT INTO household_weights (household_id, residents)
    SELECT p.household_id, count(*)
    FROM persons AS p JOIN households AS h ON h.id = p.household_id
    GROUP BY p.household_id;
    INSERT INTO household_special_weights (household_id, category_code, concern_level,
                                           open_until, n)
    SELECT p.household_id, r.category_code, r.concern_level,
           coalesce(r.end_date, 'infinity'), count(*)
    FROM special_population_records AS r
    JOIN persons AS p ON p.id = r.person_id
    JOIN households AS h ON h.id = p.household_id
    GROUP BY 1, 2, 3, 4;
END $$;

-- The weights of households that no longer exist, deleted. A caller with an area no
-- longer sees a deleted household's weights (the policy asks for the household's cell),
-- so the households trigger deletes them through this function, as the owner with the
-- whole area: it can only ever delete the weights of households that are gone.
CREATE FUNCTION onegrid_household_weights_forget(household_ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    caller_scope text := current_setting('onegrid.scope_all', true);
BEGIN
    -- the whole area for these two statements only (an error aborts the transaction, or
    -- the caller's subtransaction, which undoes the setting)
    PERFORM set_config('onegrid.scope_all', 'on', true);
    DELETE FROM household_weights AS w
    WHERE w.household_id = ANY (household_ids)
      AND NOT EXISTS (SELECT 1 FROM households AS h WHERE h.id = w.household_id);
    DELETE FROM household_special_weights AS w
    WHERE w.household_id = ANY (household_ids)
      AND NOT EXISTS (SELECT 1 FROM households AS h WHERE h.id = w.household_id);
    PERFORM set_config('onegrid.scope_all', coalesce(caller_scope, ''), true);
END $$;

------------------------------------------------------------------ placements
-- moved(household_id, cell_id, sign, members) -> deltas of households, members,
-- residents and open special-population records, read from the weights. One query
-- whatever the statement's size (the bulk argument is kept for the callers): EXECUTE
-- plans it with the transition tables' real row counts, so a few households probe the
-- weights' primary keys and a bulk assignment hash-joins them.
CREATE OR REPLACE FUNCTION onegrid_rollup_moves_sql(bulk boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$ SELECT $sql$
WITH moved AS MATERIALIZED (%s),
weights AS (
    SELECT m.cell_id, m.sign AS households, m.sign * m.members AS members,
           m.sign * coalesce(w.residents, 0) AS residents, NULL::text AS category,
           NULL::text AS level, 0 AS n
    FROM moved AS m LEFT JOIN household_weights AS w ON w.household_id = m.household_id
    UNION ALL
    SELECT m.cell_id, 0, 0, 0, s.category_code, s.concern_level, m.sign * s.n
    FROM moved AS m JOIN household_special_weights AS s ON s.household_id = m.household_id
    WHERE s.open_until >= current_date AND s.n <> 0
)
SELECT array_agg(ROW(cell_id, households, members, residents, category, level, n)
                 ::onegrid_rollup_delta)
FROM (SELECT cell_id, category, level, sum(households)::integer AS households,
             sum(members)::integer AS members, sum(residents)::integer AS residents,
             sum(n)::integer AS n
      FROM weights GROUP BY cell_id, category, level) AS summed
$sql$ $fn$;

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

------------------------------------------------------------------ households
-- As 0027_rollup_deltas; deleted households' weights are deleted too (after their
-- persons' SET NULL cascade, which found no household to write to).
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
        PERFORM onegrid_household_weights_forget(
            (SELECT array_agg(o.id ORDER BY o.id) FROM old_rows AS o));
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

-- Every household's weights, once.
SELECT onegrid_household_weights_rebuild();
