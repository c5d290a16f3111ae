-- Speed under row-level security.
--
-- 1. The caller's cell ids, resolved once per transaction.
--    Before: every policy read `cell_id IN (SELECT onegrid_scope_cell_ids())`, a subplan
--    that scans grid_cells by code prefix, and the persons / special-population policies
--    hashed every household of the area through the household_cells view on every
--    statement; inside a per-cell count (tiles, /cells) PostgreSQL re-scanned households
--    once per cell (24 s for a z10 tile of the district as the app role).
--    After: gis/auth/rls.py stores the ids in the transaction setting
--    onegrid.scope_cell_ids when it applies the caller's area; the policies compare with
--    `= ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])`. The scalar sub-select makes the
--    array an InitPlan (computed once per statement, not per row), and a column compared
--    with `= ANY (parameter)` is an index condition (ix_households_own_cell,
--    ix_building_cells_cell, cell_rollups' primary key).
--    Rows reached through another table (persons, special-population records, households
--    placed by their building) use a correlated EXISTS on that table's key: a page of
--    100 rows probes 100 keys, and for a count over many rows the planner may still hash
--    it (PostgreSQL converts a simple EXISTS to a hashed ANY when that is cheaper).
--
-- 2. cell_rollups kept current by the writes themselves: statement-level triggers with
--    transition tables on households, building_cells, persons and
--    special_population_records recompute the cells a statement touched (old and new
--    placement), once per statement, however the write was made (service, import, COPY,
--    hand-written SQL). Tiles, /cells and lists read cell_rollups; the full refresh
--    (gis.people.rollups.refresh_generation) stays for repair.
--    cell_rollups gets the same area policy as households: a caller sees counts of the
--    cells in their area only (as counting households under RLS did: other cells read 0).

------------------------------------------------------------------ scope as an array
-- The cell ids of the caller's area: the setting rls.py resolved for this transaction,
-- or, when a transaction set only the code settings (older callers), computed now.
CREATE FUNCTION onegrid_scope_cell_id_array() RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN coalesce(current_setting('onegrid.scope_cell_ids', true), '') <> ''
                THEN current_setting('onegrid.scope_cell_ids', true)::bigint[]
                ELSE ARRAY(SELECT onegrid_scope_cell_ids()) END
$$;

-- Called by rls.py after the code settings: resolves the ids once for the transaction.
CREATE FUNCTION onegrid_scope_resolve() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('onegrid.scope_cell_ids',
                      CASE WHEN onegrid_scope_all() THEN '{}'
                           ELSE (SELECT coalesce(array_agg(id ORDER BY id), '{}')::text
                                 FROM onegrid_scope_cell_ids() AS s(id)) END,
                      true)
$$;

------------------------------------------------------------------ policies
DROP POLICY households_area ON households;
CREATE POLICY households_area ON households
    USING ((SELECT onegrid_scope_all())
           OR own_cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])
           OR (located_by = 'building' AND own_cell_id IS NULL AND EXISTS (
                   SELECT 1 FROM building_cells AS bc
                   WHERE bc.building_id = households.building_id
                     AND bc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))))
    WITH CHECK ((SELECT onegrid_scope_all())
           OR own_cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])
           OR (located_by = 'building' AND own_cell_id IS NULL AND EXISTS (
                   SELECT 1 FROM building_cells AS bc
                   WHERE bc.building_id = households.building_id
                     AND bc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))));

DROP POLICY persons_area ON persons;
CREATE POLICY persons_area ON persons
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = persons.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = persons.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

DROP POLICY special_population_area ON special_population_records;
CREATE POLICY special_population_area ON special_population_records
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM persons AS p
        JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id = special_population_records.person_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM persons AS p
        JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id = special_population_records.person_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

DROP POLICY incidents_area ON incidents;
CREATE POLICY incidents_area ON incidents
    USING ((SELECT onegrid_scope_all())
           OR cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))
    WITH CHECK ((SELECT onegrid_scope_all())
           OR cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]));

ALTER TABLE cell_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE cell_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY cell_rollups_area ON cell_rollups
    USING ((SELECT onegrid_scope_all())
           OR cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))
    WITH CHECK ((SELECT onegrid_scope_all())
           OR cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]));

------------------------------------------------------------------ rollup refresh
-- Recompute cell_rollups for the given cells only, so a write costs in proportion to
-- what it touched. A household counts in its cell however it is placed (household_cells:
-- ix_households_own_cell, or ix_building_cells_cell then ix_households_building); persons
-- through ix_persons_household, records through ix_special_population_person. No
-- geometry is read. Special-population records count while open (no end date, or one not
-- yet passed). Runs as the caller: under row-level security a caller only ever touches
-- cells of their own area, where they see every row.
-- Concurrent writers in one cell: each first locks the cells' rollup rows (in id order, so
-- two refreshes never deadlock on each other), and only then counts, in a new statement,
-- i.e. a new snapshot under READ COMMITTED: a writer that waited for another's lock counts
-- that writer's committed rows too, so the last refresh of a cell is always complete.
-- (Counting first and then upserting would let the later commit overwrite the count with
-- one that misses the other's rows.)
CREATE FUNCTION onegrid_rollup_lock(cell_ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO cell_rollups (cell_id)
    SELECT c.id FROM grid_cells AS c WHERE c.id = ANY (cell_ids) ORDER BY c.id
    ON CONFLICT (cell_id) DO NOTHING;
    PERFORM 1 FROM cell_rollups AS r WHERE r.cell_id = ANY (cell_ids)
    ORDER BY r.cell_id FOR UPDATE;
END $$;

CREATE FUNCTION onegrid_rollup_refresh(cell_ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM onegrid_rollup_lock(cell_ids);
    PERFORM onegrid_rollup_count(cell_ids);
END $$;

CREATE FUNCTION onegrid_rollup_count(cell_ids bigint[]) RETURNS void
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
                               special, by_concern, refreshed_at)
SELECT t.cell_id, coalesce(hc.households, 0), coalesce(hc.members, 0),
       coalesce(rc.residents, 0), coalesce(bc.total, 0),
       coalesce(cat.special, '{}'), coalesce(bc.by_concern, '{}'), now()
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
    refreshed_at = excluded.refreshed_at
$$;

------------------------------------------------------------------ rollup triggers
-- One function per table, one trigger per event (PostgreSQL allows transition tables
-- only on single-event triggers). Untaken branches name transition tables the trigger
-- does not have; PL/pgSQL plans a statement only when it runs, so that is fine.
-- An UPDATE counts only rows whose counted columns changed: a re-run that moves nobody
-- refreshes nothing.

-- The cells of a set of household rows: own cell, or the building's cell.
CREATE FUNCTION onegrid_rollup_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT n.own_cell_id AS cell_id FROM new_rows AS n WHERE n.own_cell_id IS NOT NULL
            UNION ALL
            SELECT bc.cell_id FROM new_rows AS n
            JOIN building_cells AS bc ON bc.building_id = n.building_id
            WHERE n.located_by = 'building' AND n.own_cell_id IS NULL) AS cells;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT o.own_cell_id AS cell_id FROM old_rows AS o WHERE o.own_cell_id IS NOT NULL
            UNION ALL
            SELECT bc.cell_id FROM old_rows AS o
            JOIN building_cells AS bc ON bc.building_id = o.building_id
            WHERE o.located_by = 'building' AND o.own_cell_id IS NULL) AS cells;
    ELSE
        WITH changed AS MATERIALIZED (
            SELECT o.own_cell_id AS old_own, o.building_id AS old_building,
                   o.located_by AS old_by, n.own_cell_id AS new_own,
                   n.building_id AS new_building, n.located_by AS new_by
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE (o.own_cell_id, o.building_id, o.located_by, o.members)
                  IS DISTINCT FROM (n.own_cell_id, n.building_id, n.located_by, n.members)
        )
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT old_own AS cell_id FROM changed WHERE old_own IS NOT NULL
            UNION ALL
            SELECT new_own FROM changed WHERE new_own IS NOT NULL
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.old_building
            WHERE c.old_by = 'building' AND c.old_own IS NULL
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.new_building
            WHERE c.new_by = 'building' AND c.new_own IS NULL) AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER households_rollup_insert AFTER INSERT ON households
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_households();
CREATE TRIGGER households_rollup_update AFTER UPDATE ON households
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_households();
CREATE TRIGGER households_rollup_delete AFTER DELETE ON households
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_households();

-- A building moved to another cell moves its households' counts.
CREATE FUNCTION onegrid_rollup_building_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.cell_id) INTO touched FROM new_rows AS n
        WHERE EXISTS (SELECT 1 FROM households AS h WHERE h.building_id = n.building_id);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.cell_id) INTO touched FROM old_rows AS o
        WHERE EXISTS (SELECT 1 FROM households AS h WHERE h.building_id = o.building_id);
    ELSE
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT o.cell_id FROM old_rows AS o JOIN new_rows AS n
              ON n.building_id = o.building_id AND n.cell_id IS DISTINCT FROM o.cell_id
            UNION ALL
            SELECT n.cell_id FROM old_rows AS o JOIN new_rows AS n
              ON n.building_id = o.building_id AND n.cell_id IS DISTINCT FROM o.cell_id
        ) AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER building_cells_rollup_insert AFTER INSERT ON building_cells
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_building_cells();
CREATE TRIGGER building_cells_rollup_update AFTER UPDATE ON building_cells
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_building_cells();
CREATE TRIGGER building_cells_rollup_delete AFTER DELETE ON building_cells
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_building_cells();

-- Residents: a person added, removed or moved to another household.
CREATE FUNCTION onegrid_rollup_persons() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched FROM household_cells AS hc
        WHERE hc.household_id IN (SELECT n.household_id FROM new_rows AS n);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched FROM household_cells AS hc
        WHERE hc.household_id IN (SELECT o.household_id FROM old_rows AS o);
    ELSE
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched FROM household_cells AS hc
        WHERE hc.household_id IN (
            SELECT unnest(ARRAY[o.household_id, n.household_id])
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE n.household_id IS DISTINCT FROM o.household_id);
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER persons_rollup_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_persons();
CREATE TRIGGER persons_rollup_update AFTER UPDATE ON persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_persons();
CREATE TRIGGER persons_rollup_delete AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_persons();

-- Special populations: a record added, removed, re-classified, closed or re-opened.
CREATE FUNCTION onegrid_rollup_special() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched
        FROM persons AS p JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id IN (SELECT n.person_id FROM new_rows AS n);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched
        FROM persons AS p JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id IN (SELECT o.person_id FROM old_rows AS o);
    ELSE
        SELECT array_agg(DISTINCT hc.cell_id) INTO touched
        FROM persons AS p JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id IN (
            SELECT unnest(ARRAY[o.person_id, n.person_id])
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE (o.person_id, o.category_code, o.concern_level, o.end_date)
                  IS DISTINCT FROM (n.person_id, n.category_code, n.concern_level, n.end_date));
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER special_rollup_insert AFTER INSERT ON special_population_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_special();
CREATE TRIGGER special_rollup_update AFTER UPDATE ON special_population_records
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_special();
CREATE TRIGGER special_rollup_delete AFTER DELETE ON special_population_records
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_special();

-- Bring every cell up to date once (earlier writes may have skipped a refresh).
SELECT onegrid_rollup_refresh(coalesce(array_agg(id), '{}')) FROM grid_cells;
