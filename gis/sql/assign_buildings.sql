-- Place buildings (points or footprints) in the cells of one generation; the households
-- located by a building (located_by = 'building') are in its cell, so this also places
-- them, and records a household_moves row for each of those that leaves a cell.
-- building_ids NULL = every building (bulk); otherwise only those ids.
--
-- A building goes where its spot lies (buildings.spot, the ST_PointOnSurface of its
-- geometry): a footprint straddling an edge still lands in one cell; a point on a shared edge is covered by both neighbours (ST_Covers) and the lowest
-- code wins, the rule of locate_points.sql and assign_households.sql.
-- Driven from the generation's pieces (a few thousand small polygons): each piece probes
-- ix_buildings_spot (GiST), and its geometry is prepared once for all the buildings
-- under it. Everything is EPSG:4326, the tables' CRS.
-- Only placements that change are written: rows of building_cells are inserted, updated
-- or deleted, never rewritten unchanged (the table is narrow and has two btree indexes,
-- which is what makes a city's bulk assignment take seconds; see 0006_placements).
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
hits AS MATERIALIZED (
    -- Every building (bulk): driven from the pieces, see above.
    SELECT DISTINCT ON (b.id) b.id AS building_id, c.id AS cell_id
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    -- pieces find candidates, the whole cell decides (see locate_points.sql)
    JOIN buildings AS b ON p.geom && b.spot AND ST_Covers(c.geom, b.spot)
    WHERE CAST(:building_ids AS bigint[]) IS NULL
    ORDER BY b.id, c.code
),
hits_by_id AS MATERIALIZED (
    -- Given buildings (an import, a redraw): one probe of the pieces' GiST index per
    -- building, then the cell by primary key, instead of every piece scanning the city.
    SELECT b.id AS building_id, found.id AS cell_id
    FROM buildings AS b
    CROSS JOIN LATERAL (
        SELECT c.id
        FROM grid_cell_pieces AS p
        JOIN grid_cells AS c ON c.id = p.cell_id
        WHERE p.geom && b.spot AND ST_Covers(c.geom, b.spot)
          AND c.generation_low <= :generation_id
          AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
        ORDER BY c.code
        LIMIT 1) AS found
    WHERE b.id = ANY (CAST(:building_ids AS bigint[]))
),
placed AS MATERIALIZED (
    SELECT building_id, cell_id FROM hits
    UNION ALL
    SELECT building_id, cell_id FROM hits_by_id
),
diff AS MATERIALIZED (
    -- One row per building whose placement changes: placed elsewhere or for the first
    -- time (hits against building_cells, by primary key), or no longer placed at all.
    SELECT placed.building_id, bc.cell_id AS old_cell_id, placed.cell_id AS new_cell_id
    FROM placed
    LEFT JOIN building_cells AS bc ON bc.building_id = placed.building_id
    WHERE bc.cell_id IS DISTINCT FROM placed.cell_id
    UNION ALL
    SELECT bc.building_id, bc.cell_id, NULL
    FROM building_cells AS bc
    WHERE (CAST(:building_ids AS bigint[]) IS NULL
           OR bc.building_id = ANY (CAST(:building_ids AS bigint[])))
      AND NOT EXISTS (SELECT 1 FROM placed WHERE placed.building_id = bc.building_id)
),
added AS (
    INSERT INTO building_cells (building_id, cell_id)
    SELECT d.building_id, d.new_cell_id FROM diff AS d
    WHERE d.old_cell_id IS NULL
    ORDER BY d.building_id  -- fills the primary key in order
    RETURNING building_id
),
moved AS (
    UPDATE building_cells AS bc SET cell_id = d.new_cell_id
    FROM diff AS d
    WHERE bc.building_id = d.building_id
      AND d.old_cell_id IS NOT NULL AND d.new_cell_id IS NOT NULL
    RETURNING bc.building_id
),
removed AS (
    DELETE FROM building_cells AS bc
    USING diff AS d
    WHERE bc.building_id = d.building_id AND d.new_cell_id IS NULL
    RETURNING bc.building_id
),
recorded AS (
    -- A first placement (no cell before) is not a move; leaving a cell is. LATERAL: one
    -- probe of ix_households_building per building that moved (the planner, misjudging
    -- how many did, would otherwise sort all households to merge-join them).
    INSERT INTO household_moves (household_id, from_cell_id, to_cell_id, generation_id, reason)
    SELECT h.id, d.old_cell_id, d.new_cell_id, :generation_id, :reason
    FROM diff AS d
    CROSS JOIN LATERAL (
        SELECT h.id FROM households AS h
        WHERE h.building_id = d.building_id
          AND h.located_by = 'building'
        OFFSET 0) AS h
    WHERE d.old_cell_id IS NOT NULL
    RETURNING household_id
)
SELECT (SELECT count(*) FROM buildings AS b
        WHERE CAST(:building_ids AS bigint[]) IS NULL
           OR b.id = ANY (CAST(:building_ids AS bigint[]))) AS considered,
       (SELECT count(*) FROM placed) AS placed,
       (SELECT count(*) FROM diff) AS changed,
       (SELECT count(*) FROM added) + (SELECT count(*) FROM moved)
           + (SELECT count(*) FROM removed) AS written,
       (SELECT count(*) FROM recorded) AS households_moved,
       -- households of the buildings outside every cell (anti-join first, so only
       -- those few buildings probe ix_households_building)
       (SELECT coalesce(sum(n.households), 0)::bigint
        FROM buildings AS b
        CROSS JOIN LATERAL (
            SELECT count(*) AS households FROM households AS h
            WHERE h.building_id = b.id AND h.located_by = 'building'
        ) AS n
        WHERE (CAST(:building_ids AS bigint[]) IS NULL
               OR b.id = ANY (CAST(:building_ids AS bigint[])))
          AND NOT EXISTS (SELECT 1 FROM placed WHERE placed.building_id = b.id))
           AS households_unlocated,
       (SELECT coalesce(array_agg(x), '{}')
        FROM (SELECT old_cell_id FROM diff UNION SELECT new_cell_id FROM diff) AS touched(x)
        WHERE x IS NOT NULL) AS touched_cell_ids
