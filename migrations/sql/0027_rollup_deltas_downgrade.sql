-- Row-level security (FORCEd on cell_rollups) would hide rows from an owner without
-- BYPASSRLS: this transaction recounts every cell.
SELECT set_config('onegrid.scope_all', 'on', true);

-- Back to recounting the cells a statement touched (the trigger functions of 0012_speed
-- and 0023_own_placements, verbatim; the triggers themselves never changed).
-- bench/rollup_writes.py runs the part between the two markers, in a rolled-back
-- transaction, to time the recount beside the deltas.
-- recount functions: begin

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

CREATE OR REPLACE FUNCTION onegrid_rollup_building_cells() RETURNS trigger
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

CREATE OR REPLACE FUNCTION onegrid_rollup_persons() RETURNS trigger
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

CREATE OR REPLACE FUNCTION onegrid_rollup_special() RETURNS trigger
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

CREATE OR REPLACE FUNCTION onegrid_rollup_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM new_rows AS n
            JOIN household_own_cells AS oc ON oc.household_id = n.id
            UNION ALL
            SELECT bc.cell_id FROM new_rows AS n
            JOIN building_cells AS bc ON bc.building_id = n.building_id
            WHERE n.located_by = 'building') AS cells;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM old_rows AS o
            JOIN household_own_cells AS oc ON oc.household_id = o.id
            UNION ALL
            SELECT bc.cell_id FROM old_rows AS o
            JOIN building_cells AS bc ON bc.building_id = o.building_id
            WHERE o.located_by = 'building') AS cells;
    ELSE
        WITH changed AS MATERIALIZED (
            SELECT n.id, o.building_id AS old_building, o.located_by AS old_by,
                   n.building_id AS new_building, n.located_by AS new_by
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE (o.building_id, o.located_by, o.members)
                  IS DISTINCT FROM (n.building_id, n.located_by, n.members)
        )
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM changed AS c
            JOIN household_own_cells AS oc ON oc.household_id = c.id
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.old_building
            WHERE c.old_by = 'building'
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.new_building
            WHERE c.new_by = 'building') AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION onegrid_rollup_own_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.cell_id) INTO touched FROM new_rows AS n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.cell_id) INTO touched FROM old_rows AS o;
    ELSE
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT o.cell_id FROM old_rows AS o JOIN new_rows AS n
              ON n.household_id = o.household_id AND n.cell_id IS DISTINCT FROM o.cell_id
            UNION ALL
            SELECT n.cell_id FROM old_rows AS o JOIN new_rows AS n
              ON n.household_id = o.household_id AND n.cell_id IS DISTINCT FROM o.cell_id
        ) AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

-- recount functions: end

DROP FUNCTION onegrid_rollup_bulk(bigint);
DROP FUNCTION onegrid_rollup_moves_sql(boolean);
DROP FUNCTION onegrid_rollup_apply(onegrid_rollup_delta[]);
DROP FUNCTION onegrid_rollup_cells(onegrid_rollup_delta[]);
DROP FUNCTION onegrid_rollup_lock_cells(bigint[]);
DROP TYPE onegrid_rollup_delta;
ALTER TABLE cell_rollups DROP COLUMN counted_on;

-- Every cell recounted, as 0012_speed did.
SELECT onegrid_rollup_refresh(coalesce(array_agg(id ORDER BY id), '{}')) FROM grid_cells;
