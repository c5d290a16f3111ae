-- Re-assign only the households placed on their own (by coordinates; see
-- assign_households.sql) in the area that changed between two generations. Buildings,
-- and the households they locate, are re-placed by assign_buildings.sql with the ids
-- from assign_buildings_changed.sql.
-- The changed area is the symmetric difference of the two generations' cell rows: rows
-- valid in the old generation only ("gone") and rows valid in the new one only ("came").
-- Rather than union those polygons we take its households two cheap ways: by own_cell_id
-- for the gone cells (ix_households_own_cell) and by ST_Covers on the came cells' pieces
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
    SELECT h.id FROM households AS h WHERE h.own_cell_id IN (SELECT id FROM gone)
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
    SELECT h.id, h.own_cell_id AS old_cell_id, found.id AS new_cell_id
    FROM candidates AS k
    JOIN households AS h ON h.id = k.id
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
changed AS (
    UPDATE households AS h
    SET own_cell_id = pl.new_cell_id, updated_at = now(),
        unlocated_reason = CASE WHEN pl.new_cell_id IS NOT NULL THEN NULL
            WHEN h.geom IS NULL THEN coalesce(h.unlocated_reason, 'no coordinates and no building')
            ELSE 'outside every cell of generation ' || CAST(:new_generation_id AS text) END
    FROM placed AS pl
    WHERE h.id = pl.id AND h.own_cell_id IS DISTINCT FROM pl.new_cell_id
    RETURNING h.id, pl.old_cell_id, pl.new_cell_id
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
