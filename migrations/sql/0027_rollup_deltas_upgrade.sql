-- Row-level security (FORCEd on cell_rollups) would hide rows from an owner without
-- BYPASSRLS: this transaction recounts every cell.
SELECT set_config('onegrid.scope_all', 'on', true);

-- cell_rollups maintained by deltas (issue 13).
--
-- Before (0012_speed, 0023_own_placements): each statement's trigger found the cells it
-- touched and recounted them whole (every household, person and record of the cell),
-- so re-placing 10 households of a 1,000-household cell re-read 1,000 households, and a
-- bulk assignment recounted every cell once per statement (~3x the join itself).
-- After: the same statement triggers (same names, transition tables) add up what the
-- changed rows contribute, old rows with -1 and new rows with +1, per cell (and per
-- special-population category and level), and apply them in one UPDATE of the
-- affected cells' rows, in cell id order: `households = households + delta` (INSERT ...
-- ON CONFLICT first for a cell without a row). The work is in proportion to the rows the
-- statement changed, not to the size of the cells it touched.
--
-- What a row contributes is read from the other tables as they are when the trigger
-- runs (a person's cell from its household's placement, a household's residents from
-- persons...), so "after" minus "before" is exact when a statement changes one of these
-- tables. A statement that writes two (writable CTEs): the service's assignments write
-- placements and households' reasons/located_by, whose contributions cancel out; a
-- household inserted with its placement in one command is counted once (see the
-- households trigger). Other pairs in one command would count twice: do not.
-- Those reads happen only after the cells' rows are locked (a new statement, a new
-- snapshot), so a writer that waited for another sees what the other committed: a
-- person added to a household while another transaction moves it counts where the
-- household lands. Not covered: a person added to a household that has no cell at all
-- while another transaction gives it its first one (nothing to lock yet); the repair
-- command recounts.
-- Deletes of households and persons are the exception: PostgreSQL runs their cascades
-- (persons.household_id SET NULL, special-population records CASCADE) before the
-- statement's own trigger, when the parent row is gone and its cell can no longer be
-- found from the children; those two triggers recount the cells of the deleted rows
-- instead (as before). Both are rare, one-row writes.
--
-- Special populations count while open (no end date, or one not yet passed), a rule
-- that changes with the date and not with a write. cell_rollups.counted_on says the day
-- a row's counts are right for; a delta is applied only to a row counted today, any
-- other row touched is recounted whole (once per cell per day, then deltas again).
-- The full refresh (onegrid_rollup_refresh, `onegrid people rollups --commit`) stays for
-- repair.
--
-- Concurrency: the affected rows are locked first, in cell id order (one lock order, no
-- deadlock between two writers of one statement each), and the deltas are added in a
-- later statement, which reads the rows as the other writer committed them, so two
-- writers of one cell both land.

ALTER TABLE cell_rollups ADD COLUMN counted_on date;  -- NULL: recount on the next touch

-- One contribution: counts to add to a cell; category/level set for special-population
-- rows (n records), NULL for household rows.
CREATE TYPE onegrid_rollup_delta AS (
    cell_id    bigint,
    households integer,
    members    integer,
    residents  integer,
    category   text,
    level      text,
    n          integer
);

------------------------------------------------------------------ recount (repair)
-- As 0012_speed, and the row is now counted for today.
CREATE OR REPLACE FUNCTION onegrid_rollup_count(cell_ids bigint[]) RETURNS void
LANGUAGE sql VOLATILE AS $$
WITH target AS (
    SELECT c.id AS cell_id FROM grid_cells AS c WHERE c.id = ANY (cell_ids)
),
placed AS MATERIALIZED (
    -- a constant filter, not a join with target: PostgreSQL pushes it into both branches
    -- of the view (it cannot push a join condition into the branch that is a join)
    SELECT hc.household_id, hc.cell_id
    FROM household_cells AS hc
    WHERE hc.cell_id = ANY (cell_ids)
),
household_counts AS (
    SELECT pl.cell_id, count(*) AS households, coalesce(sum(h.members), 0) AS members
    FROM placed AS pl JOIN households AS h ON h.id = pl.household_id
    GROUP BY pl.cell_id
),
resident_counts AS (
    SELECT pl.cell_id, count(*) AS residents
    FROM persons AS p JOIN placed AS pl ON pl.household_id = p.household_id
    GROUP BY pl.cell_id
),
special_cells AS (
    SELECT pl.cell_id, r.category_code, r.concern_level, count(*) AS n
    FROM special_population_records AS r
    JOIN persons AS p ON p.id = r.person_id
    JOIN placed AS pl ON pl.household_id = p.household_id
    WHERE r.end_date IS NULL OR r.end_date >= current_date
    GROUP BY pl.cell_id, r.category_code, r.concern_level
),
by_category AS (
    SELECT cell_id, jsonb_object_agg(category_code, levels) AS special
    FROM (SELECT cell_id, category_code, jsonb_object_agg(concern_level, n) AS levels
          FROM special_cells GROUP BY cell_id, category_code) AS per_category
    GROUP BY cell_id
),
by_concern AS (
    SELECT cell_id, jsonb_object_agg(concern_level, n) AS by_concern, sum(n) AS total
    FROM (SELECT cell_id, concern_level, sum(n) AS n
          FROM special_cells GROUP BY cell_id, concern_level) AS per_level
    GROUP BY cell_id
)
INSERT INTO cell_rollups AS r (cell_id, households, members, residents, special_total,
                               special, by_concern, refreshed_at, counted_on)
SELECT t.cell_id, coalesce(hc.households, 0), coalesce(hc.members, 0),
       coalesce(rc.residents, 0), coalesce(bc.total, 0),
       coalesce(cat.special, '{}'), coalesce(bc.by_concern, '{}'), now(), current_date
FROM target AS t
LEFT JOIN household_counts AS hc ON hc.cell_id = t.cell_id
LEFT JOIN resident_counts AS rc ON rc.cell_id = t.cell_id
LEFT JOIN by_category AS cat ON cat.cell_id = t.cell_id
LEFT JOIN by_concern AS bc ON bc.cell_id = t.cell_id
ORDER BY t.cell_id  -- one lock order, so two concurrent writers do not deadlock
ON CONFLICT (cell_id) DO UPDATE
SET households = excluded.households, members = excluded.members,
    residents = excluded.residents, special_total = excluded.special_total,
    special = excluded.special, by_concern = excluded.by_concern,
    refreshed_at = excluded.refreshed_at, counted_on = excluded.counted_on
$$;

------------------------------------------------------------------ applying deltas
-- Sums the contributions per cell and adds them to the cells' rows, in three statements:
--  1-2. onegrid_rollup_lock_cells: a row for each cell that has none yet, and every
--     affected row locked, in cell id order (one lock order: two writers never
--     deadlock on each other; a writer that waited then reads the other's committed
--     row, so both land);
--  3. one UPDATE, set-based: counts plus deltas, and the special-population maps
--     rebuilt from the locked rows' maps plus the deltas (levels that reach 0 dropped,
--     as a recount leaves them out).
-- A row not counted today is recounted whole instead (with this statement's rows: the
-- recount is a new statement, a new snapshot). Cells whose contributions cancel out are
-- not written at all.
-- Rows for cells that have none (they counted nothing so far: every write runs these
-- triggers and the migrations recount every cell, so they start at zero), then every
-- row locked in cell id order; returns the cells whose rows were not counted today.
CREATE FUNCTION onegrid_rollup_lock_cells(cell_ids bigint[]) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    stale bigint[];
BEGIN
    IF cell_ids IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO cell_rollups (cell_id, counted_on)
    SELECT c.id, current_date FROM grid_cells AS c
    WHERE c.id = ANY (cell_ids)
      AND NOT EXISTS (SELECT 1 FROM cell_rollups AS r WHERE r.cell_id = c.id)
    ORDER BY c.id
    ON CONFLICT (cell_id) DO NOTHING;  -- another writer's new row: wait for it
    SELECT array_agg(locked.cell_id) FILTER (WHERE locked.counted_on IS DISTINCT FROM current_date)
    INTO stale
    FROM (SELECT r.cell_id, r.counted_on FROM cell_rollups AS r
          WHERE r.cell_id = ANY (cell_ids) ORDER BY r.cell_id FOR UPDATE) AS locked;
    RETURN stale;
END $$;

-- The cells a set of contributions names.
CREATE FUNCTION onegrid_rollup_cells(deltas onegrid_rollup_delta[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(DISTINCT d.cell_id) FROM unnest(deltas) AS d
$$;

CREATE FUNCTION onegrid_rollup_apply(deltas onegrid_rollup_delta[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cells bigint[];
    stale bigint[];
BEGIN
    IF deltas IS NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(cell_id ORDER BY cell_id) INTO cells FROM (
        SELECT d.cell_id FROM unnest(deltas) AS d
        JOIN grid_cells AS c ON c.id = d.cell_id
        GROUP BY d.cell_id
        HAVING sum(d.households) <> 0 OR sum(d.members) <> 0 OR sum(d.residents) <> 0
            OR bool_or(d.category IS NOT NULL AND d.n <> 0)) AS changing;
    IF cells IS NULL THEN
        RETURN;
    END IF;
    stale := onegrid_rollup_lock_cells(cells);
    WITH contributions AS MATERIALIZED (
        SELECT d.* FROM unnest(deltas) AS d
        WHERE d.cell_id = ANY (cells) AND NOT d.cell_id = ANY (coalesce(stale, '{}'))
    ),
    per_cell AS (
        SELECT cell_id, sum(households) AS households, sum(members) AS members,
               sum(residents) AS residents,
               bool_or(category IS NOT NULL AND n <> 0) AS special_changed
        FROM contributions GROUP BY cell_id
    ),
    levels AS (  -- every (cell, category, level) count of the changed cells, after
        SELECT cell_id, category, level, sum(n) AS n
        FROM (SELECT r.cell_id, cat.key AS category, lvl.key AS level,
                     lvl.value::integer AS n
              FROM cell_rollups AS r
              CROSS JOIN LATERAL jsonb_each(r.special) AS cat
              CROSS JOIN LATERAL jsonb_each_text(cat.value) AS lvl
              WHERE r.cell_id IN (SELECT cell_id FROM per_cell WHERE special_changed)
              UNION ALL
              SELECT cell_id, category, level, n FROM contributions
              WHERE category IS NOT NULL) AS before_and_delta
        GROUP BY cell_id, category, level
        HAVING sum(n) <> 0
    ),
    by_category AS (
        SELECT cell_id, jsonb_object_agg(category, levels) AS special
        FROM (SELECT cell_id, category, jsonb_object_agg(level, n) AS levels
              FROM levels GROUP BY cell_id, category) AS per_category
        GROUP BY cell_id
    ),
    by_concern AS (
        SELECT cell_id, jsonb_object_agg(level, n) AS by_concern, sum(n) AS total
        FROM (SELECT cell_id, level, sum(n) AS n FROM levels GROUP BY cell_id, level)
             AS per_level
        GROUP BY cell_id
    )
    UPDATE cell_rollups AS r
    SET households = r.households + pc.households,
        members = r.members + pc.members,
        residents = r.residents + pc.residents,
        special_total = CASE WHEN pc.special_changed THEN coalesce(k.total, 0)
                             ELSE r.special_total END,
        special = CASE WHEN pc.special_changed THEN coalesce(cat.special, '{}')
                       ELSE r.special END,
        by_concern = CASE WHEN pc.special_changed THEN coalesce(k.by_concern, '{}')
                          ELSE r.by_concern END,
        refreshed_at = now()
    FROM per_cell AS pc
    LEFT JOIN by_category AS cat ON cat.cell_id = pc.cell_id
    LEFT JOIN by_concern AS k ON k.cell_id = pc.cell_id
    WHERE r.cell_id = pc.cell_id;
    IF stale IS NOT NULL THEN
        PERFORM onegrid_rollup_count(stale);
    END IF;
END $$;

------------------------------------------------------------------ the triggers
-- Each trigger function picks, by event, a constant SQL fragment that lists the
-- statement's changed rows with a sign (new rows +1, old rows -1; an UPDATE's rows whose
-- counted columns did not change are left out), and runs it inside a shared tail with
-- EXECUTE: a transition table can only be named where the event has it, and EXECUTE
-- plans each run with the transition tables' real row counts (hash joins for a bulk
-- statement, index probes for one row). Only constant text is spliced; no values.
-- The cells of a household are the two branches of the household_cells view, written
-- out as joins so the planner can use each table's key (it cannot push a join condition
-- into the view's branch that is itself a join).

-- Households moved into (+1) or out of (-1) cells, with their members:
-- moved(household_id, cell_id, sign, members) -> deltas of households, members,
-- residents and open special-population records.
-- Two ways to read residents and records, chosen by the statement's size (the same
-- counts either way): for a few households, their persons by ix_persons_household and
-- their records by ix_special_population_person; for many (a bulk assignment), every
-- household's residents in one pass over ix_persons_household (an index-only scan,
-- grouped as it streams) and the open records grouped per household, each joined once
-- with the moved households (about 3x less work than joining persons row by row).
CREATE FUNCTION onegrid_rollup_moves_sql(bulk boolean) RETURNS text
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

-- A statement is bulk when it changed more rows than the setting onegrid.rollup_bulk_rows
-- (default 1,000; tests set it to 0 to run the bulk way on tiny data).
CREATE FUNCTION onegrid_rollup_bulk(rows_changed bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT rows_changed > coalesce(nullif(current_setting('onegrid.rollup_bulk_rows', true),
                                          '')::bigint, 1000)
$$;

-- Own placements added, removed, or moved to another cell.
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

-- Households: new ones count in their cells (own placement, or their building's) with
-- their members (a new household has no persons yet); an update of the counted columns
-- (building, located_by, members) takes the old row out of its cells and puts the new
-- one in (own placements are unchanged by it: their +1 and -1 cancel but for members);
-- deleted ones recount their cells (see the top of this file).
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

-- Residents: a person added or moved to another household counts (with its open
-- special-population records) in that household's cells; deleted persons recount their
-- households' cells (their records were deleted first, by the cascade).
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

-- Special populations: open records added, removed, re-classified, closed or re-opened,
-- counted in their person's household's cells. A record deleted with its person (the
-- cascade) finds no person: the persons trigger recounts those cells.
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

-- Every cell counted today, once (the triggers above apply deltas to counted rows).
SELECT onegrid_rollup_refresh(coalesce(array_agg(id ORDER BY id), '{}')) FROM grid_cells;
