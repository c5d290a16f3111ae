-- Place the households that are placed on their own (not by a building) in the cell of
-- one generation that covers their point. household_ids NULL = all of them (bulk);
-- otherwise only those ids (an import, an edit). Households located by their building
-- (located_by = 'building') are placed by assign_buildings.sql and are not touched here;
-- those placed by hand ('manual') keep their cell until edited again.
-- The hits (household -> covering cell) are in the temporary table own_hits, made by
-- assign_households_hits.sql; a household placed on its own without a hit is unlocated.
-- Only placements that change are written, into the narrow household_own_cells
-- (inserted, updated or deleted, never rewritten unchanged; see 0023_own_placements).
-- The wide households row is written only when its unlocated_reason or located_by
-- changes (a household that found a cell for the first time, or lost it).
WITH target AS MATERIALIZED (
    SELECT h.id, hits.cell_id AS new_cell_id, h.unlocated_reason AS old_reason,
           h.located_by AS old_located_by,
           CASE WHEN hits.cell_id IS NOT NULL THEN NULL
                WHEN h.geom IS NULL THEN coalesce(h.unlocated_reason, 'no coordinates and no building')
                ELSE 'outside every cell of generation ' || CAST(:generation_id AS text)
           END AS reason,
           CASE WHEN hits.cell_id IS NULL THEN h.located_by
                ELSE coalesce(h.located_by, 'coordinates') END AS located_by
    FROM households AS h
    LEFT JOIN own_hits AS hits ON hits.household_id = h.id
    WHERE (h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL)
      AND (CAST(:household_ids AS bigint[]) IS NULL
           OR h.id = ANY (CAST(:household_ids AS bigint[])))
      AND h.located_by IS DISTINCT FROM 'manual'
),
diff AS MATERIALIZED (
    -- One row per household whose own placement changes (by primary key of the placements).
    SELECT t.id, oc.cell_id AS old_cell_id, t.new_cell_id
    FROM target AS t
    LEFT JOIN household_own_cells AS oc ON oc.household_id = t.id
    WHERE oc.cell_id IS DISTINCT FROM t.new_cell_id
),
added AS (
    INSERT INTO household_own_cells (household_id, cell_id)
    SELECT d.id, d.new_cell_id FROM diff AS d
    WHERE d.old_cell_id IS NULL
    ORDER BY d.id  -- fills the primary key in order
    RETURNING household_id
),
moved AS (
    UPDATE household_own_cells AS oc SET cell_id = d.new_cell_id
    FROM diff AS d
    WHERE oc.household_id = d.id AND d.old_cell_id IS NOT NULL AND d.new_cell_id IS NOT NULL
    RETURNING oc.household_id
),
removed AS (
    DELETE FROM household_own_cells AS oc
    USING diff AS d
    WHERE oc.household_id = d.id AND d.new_cell_id IS NULL
    RETURNING oc.household_id
),
noted AS (
    UPDATE households AS h
    SET unlocated_reason = t.reason, located_by = t.located_by, updated_at = now()
    FROM target AS t
    WHERE h.id = t.id
      AND (t.old_reason IS DISTINCT FROM t.reason
           OR t.old_located_by IS DISTINCT FROM t.located_by)
    RETURNING h.id
),
recorded AS (
    -- A first placement (no cell before) is not a move; leaving a cell is.
    INSERT INTO household_moves (household_id, from_cell_id, to_cell_id, generation_id, reason)
    SELECT id, old_cell_id, new_cell_id, :generation_id, :reason
    FROM diff
    WHERE old_cell_id IS NOT NULL
    RETURNING household_id
)
SELECT (SELECT count(*) FROM target) AS considered,
       (SELECT count(*) FROM target WHERE new_cell_id IS NULL) AS unlocated,
       (SELECT count(*) FROM diff) AS changed,
       (SELECT count(*) FROM added) + (SELECT count(*) FROM moved)
           + (SELECT count(*) FROM removed) AS written,
       (SELECT count(*) FROM noted) AS households_written,
       (SELECT count(*) FROM recorded) AS moved,
       (SELECT coalesce(array_agg(x), '{}') FROM (SELECT old_cell_id FROM diff
                                   UNION SELECT new_cell_id FROM diff) AS touched(x)
        WHERE x IS NOT NULL) AS touched_cell_ids
