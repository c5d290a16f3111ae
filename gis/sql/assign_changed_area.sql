-- Re-assign only the households placed on their own (by coordinates; see
-- assign_households.sql) in the area that changed between two generations. Buildings,
-- and the households they locate, are re-placed by assign_buildings.sql with the ids
-- from assign_buildings_changed.sql.
-- The changed area is the symmetric difference of the two generations' cell rows: rows
-- valid in the old generation only ("gone") and rows valid in the new one only ("came").
-- Rather than union those polygons we take its households two cheap ways: by their own
-- placement in the gone cells (ix_household_own_cells_cell) and by ST_Covers on the came cells' pieces
-- (ix_households_own_geom, the GiST index of the households placed on their own). Unchanged cells are one row valid in both generations: not touched.
WITH gone AS (
    SELECT c.id FROM grid_cells AS c
    WHERE c.generation_low <= :old_generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :old_generation_id)
      AND NOT (c.generation_low <= :new_generation_id
               AND (c.generation_high IS NULL OR c.generation_high >= :new_generation_id))
),
came AS (
    SELECT c.id, c.geom FROM grid_cells AS c
    WHERE c.generation_low <= :new_generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :new_generation_id)
      AND NOT (c.generation_low <= :old_generation_id
               AND (c.generation_high IS NULL OR c.generation_high >= :old_generation_id))
),
candidates AS (
    SELECT oc.household_id AS id FROM household_own_cells AS oc
    WHERE oc.cell_id IN (SELECT id FROM gone)
    UNION
    SELECT h.id
    FROM came
    JOIN grid_cell_pieces AS p ON p.cell_id = came.id
    -- pieces find candidates, the whole cell decides (see locate_points.sql)
    JOIN households AS h ON p.geom && h.geom AND ST_Covers(came.geom, h.geom)
    WHERE (h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL)
      AND h.located_by IS DISTINCT FROM 'manual'
),
placed AS (
    -- Per candidate: one GiST probe of the pieces, then the cell row by primary key.
    -- Few candidates, so this lateral lookup is cheap; it never scans households.
    SELECT h.id, oc.cell_id AS old_cell_id, found.id AS new_cell_id,
           h.unlocated_reason AS old_reason, h.geom IS NULL AS no_geom
    FROM candidates AS k
    JOIN households AS h ON h.id = k.id
    LEFT JOIN household_own_cells AS oc ON oc.household_id = h.id
    LEFT JOIN LATERAL (
        SELECT c.id
        FROM grid_cell_pieces AS p
        JOIN grid_cells AS c ON c.id = p.cell_id
        WHERE p.geom && h.geom AND ST_Covers(c.geom, h.geom)
          AND c.generation_low <= :new_generation_id
          AND (c.generation_high IS NULL OR c.generation_high >= :new_generation_id)
        ORDER BY c.code
        LIMIT 1
    ) AS found ON true
),
diff AS MATERIALIZED (
    SELECT pl.id, pl.old_cell_id, pl.new_cell_id,
           CASE WHEN pl.new_cell_id IS NOT NULL THEN NULL
                WHEN pl.no_geom THEN coalesce(pl.old_reason, 'no coordinates and no building')
                ELSE 'outside every cell of generation ' || CAST(:new_generation_id AS text)
           END AS reason, pl.old_reason
    FROM placed AS pl
    WHERE pl.old_cell_id IS DISTINCT FROM pl.new_cell_id
),
-- Own placements: the narrow table only (see 0023_own_placements); the household row
-- only when its unlocated_reason changes.
added AS (
    INSERT INTO household_own_cells (household_id, cell_id)
    SELECT d.id, d.new_cell_id FROM diff AS d WHERE d.old_cell_id IS NULL
    RETURNING household_id
),
moved_cells AS (
    UPDATE household_own_cells AS oc SET cell_id = d.new_cell_id
    FROM diff AS d
    WHERE oc.household_id = d.id AND d.old_cell_id IS NOT NULL AND d.new_cell_id IS NOT NULL
    RETURNING oc.household_id
),
removed AS (
    DELETE FROM household_own_cells AS oc USING diff AS d
    WHERE oc.household_id = d.id AND d.new_cell_id IS NULL
    RETURNING oc.household_id
),
noted AS (
    UPDATE households AS h SET unlocated_reason = d.reason, updated_at = now()
    FROM diff AS d
    WHERE h.id = d.id AND d.old_reason IS DISTINCT FROM d.reason
    RETURNING h.id
),
changed AS (
    SELECT id, old_cell_id, new_cell_id FROM diff
),
recorded AS (
    INSERT INTO household_moves (household_id, from_cell_id, to_cell_id, generation_id, reason)
    SELECT id, old_cell_id, new_cell_id, :new_generation_id, :reason
    FROM changed
    RETURNING household_id, from_cell_id, to_cell_id
)
SELECT (SELECT count(*) FROM candidates) AS considered,
       (SELECT count(*) FROM recorded) AS changed,
       (SELECT count(*) FROM recorded AS r
        LEFT JOIN grid_cells AS f ON f.id = r.from_cell_id
        LEFT JOIN grid_cells AS t ON t.id = r.to_cell_id
        WHERE f.code IS DISTINCT FROM t.code) AS moved,
       (SELECT count(*) FROM recorded WHERE to_cell_id IS NULL) AS unlocated,
       (SELECT array_agg(DISTINCT x) FROM recorded, unnest(ARRAY[from_cell_id, to_cell_id]) AS x
        WHERE x IS NOT NULL) AS touched_cell_ids
