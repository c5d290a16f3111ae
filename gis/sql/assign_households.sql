-- Place the households that are placed on their own (not by a building) in the cell of
-- one generation that covers their point. household_ids NULL = all of them (bulk);
-- otherwise only those ids (an import, an edit). Households located by their building
-- (located_by = 'building') are placed by assign_buildings.sql and are not touched here;
-- those placed by hand ('manual') keep their cell until edited again.
-- The hits (household -> covering cell) are in the temporary table own_hits, made by
-- assign_households_hits.sql; a household placed on its own without a hit is unlocated.
WITH target AS (
    SELECT h.id, h.own_cell_id AS old_cell_id, hits.cell_id AS new_cell_id,
           CASE WHEN hits.cell_id IS NOT NULL THEN NULL
                WHEN h.geom IS NULL THEN coalesce(h.unlocated_reason, 'no coordinates and no building')
                ELSE 'outside every cell of generation ' || CAST(:generation_id AS text)
           END AS reason
    FROM households AS h
    LEFT JOIN own_hits AS hits ON hits.household_id = h.id
    WHERE (h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL)
      AND (CAST(:household_ids AS bigint[]) IS NULL
           OR h.id = ANY (CAST(:household_ids AS bigint[])))
      AND h.located_by IS DISTINCT FROM 'manual'
),
changed AS (
    -- Only rows whose cell or reason really change are written (no dead tuples for the rest).
    UPDATE households AS h
    SET own_cell_id = t.new_cell_id, unlocated_reason = t.reason, updated_at = now(),
        located_by = CASE WHEN t.new_cell_id IS NULL THEN h.located_by
                          ELSE coalesce(h.located_by, 'coordinates') END
    FROM target AS t
    WHERE h.id = t.id
      AND (h.own_cell_id IS DISTINCT FROM t.new_cell_id
           OR h.unlocated_reason IS DISTINCT FROM t.reason)
    RETURNING h.id, t.old_cell_id, t.new_cell_id
),
recorded AS (
    -- A first placement (no cell before) is not a move; leaving a cell is.
    INSERT INTO household_moves (household_id, from_cell_id, to_cell_id, generation_id, reason)
    SELECT id, old_cell_id, new_cell_id, :generation_id, :reason
    FROM changed
    WHERE old_cell_id IS NOT NULL AND old_cell_id IS DISTINCT FROM new_cell_id
    RETURNING household_id
)
SELECT (SELECT count(*) FROM target) AS considered,
       (SELECT count(*) FROM target WHERE new_cell_id IS NULL) AS unlocated,
       (SELECT count(*) FROM changed) AS changed,
       (SELECT count(*) FROM recorded) AS moved,
       (SELECT coalesce(array_agg(x), '{}') FROM (SELECT old_cell_id FROM changed
                                   UNION SELECT new_cell_id FROM changed) AS touched(x)
        WHERE x IS NOT NULL) AS touched_cell_ids
