-- Imported households into the table, each with its cell already found: written once.
-- The rows were COPYed into the temporary table staged_households (see
-- gis/people/ingest/households.py); before, they were COPYed into households and then
-- every one of them was UPDATEd by assign_households.sql, i.e. written twice with all
-- seven households indexes maintained twice.
-- A household located by its building (located_by = 'building') is in the building's cell
-- (building_cells, placed when the building was imported): nothing to look up here.
-- The others get a cell of their own by the rule of assign_households.sql: ST_Covers (a point on an edge is covered by both
-- neighbours), the lowest code wins; a point outside every cell is unlocated with a reason.
-- Driven from the generation's pieces: each piece probes the GiST index of the staged
-- points (built by the caller), so each piece's geometry is prepared once. All EPSG:4326.
-- :generation_id NULL (no active generation) stores the rows without a cell.
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
hits AS (
    SELECT DISTINCT ON (s.id) s.id, c.id AS cell_id
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    -- pieces find candidates, the whole cell decides (see locate_points.sql)
    JOIN staged_households AS s ON p.geom && s.geom AND ST_Covers(c.geom, s.geom)
    WHERE s.located_by IS DISTINCT FROM 'building' OR s.building_id IS NULL
    ORDER BY s.id, c.code
),
inserted AS (
    INSERT INTO households (id, external_id, building_id, address, geom, members,
                            located_by, unlocated_reason, own_cell_id)
    SELECT s.id, s.external_id, s.building_id, s.address, s.geom, s.members, s.located_by,
           CASE WHEN hits.cell_id IS NOT NULL THEN NULL
                -- located by its building: the building's placement speaks for it
                WHEN s.located_by = 'building' AND s.building_id IS NOT NULL THEN NULL
                WHEN s.geom IS NULL THEN coalesce(s.unlocated_reason,
                                                  'no coordinates and no building')
                WHEN CAST(:generation_id AS integer) IS NULL THEN s.unlocated_reason
                ELSE 'outside every cell of generation ' || CAST(:generation_id AS text)
           END,
           hits.cell_id
    FROM staged_households AS s
    LEFT JOIN hits ON hits.id = s.id
    -- id order: the heap and the primary key are filled sequentially.
    ORDER BY s.id
    -- A household id already stored (the caller checked those it can see; row-level
    -- security hides other areas' rows) is skipped and reported as a duplicate.
    ON CONFLICT (external_id) DO NOTHING
    RETURNING id, own_cell_id, building_id, located_by, geom IS NOT NULL AS has_geom,
              unlocated_reason
),
placed AS (
    SELECT i.id, coalesce(i.own_cell_id, bc.cell_id) AS cell_id, i.has_geom,
           coalesce(i.unlocated_reason, CASE WHEN i.located_by = 'building' AND bc.cell_id IS NULL
               THEN 'its building ' || i.building_id || ' is outside every cell' END)
               AS unlocated_reason
    FROM inserted AS i
    LEFT JOIN building_cells AS bc
           ON bc.building_id = i.building_id AND i.located_by = 'building'
)
SELECT (SELECT count(*) FROM placed) AS stored,
       (SELECT count(*) FROM placed WHERE cell_id IS NOT NULL) AS assigned,
       (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM placed
        WHERE cell_id IS NULL AND has_geom) AS outside_ids,
       (SELECT coalesce(array_agg(unlocated_reason ORDER BY id), '{}') FROM placed
        WHERE cell_id IS NULL AND has_geom) AS outside_reasons,
       (SELECT coalesce(array_agg(DISTINCT cell_id), '{}') FROM placed
        WHERE cell_id IS NOT NULL) AS touched_cell_ids
