-- The cell code each staged household will get (NULL: none), by the rules of
-- people_insert_households.sql, asked before the insert so that rows outside the
-- importer's area can be named and left out (gis/people/ingest/households.py).
-- Same join as there: the generation's pieces probe the GiST index of the staged points;
-- everything in EPSG:4326. A household located by its building is in the building's cell.
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
hits AS (
    SELECT DISTINCT ON (s.id) s.id, c.code
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    JOIN staged_households AS s ON ST_Covers(p.geom, s.geom)
    WHERE s.located_by IS DISTINCT FROM 'building' OR s.building_id IS NULL
    ORDER BY s.id, c.code
)
SELECT s.id, coalesce(hits.code, building_cell.code) AS cell_code
FROM staged_households AS s
LEFT JOIN hits ON hits.id = s.id
LEFT JOIN building_cells AS bc
       ON bc.building_id = s.building_id AND s.located_by = 'building'
LEFT JOIN grid_cells AS building_cell ON building_cell.id = bc.cell_id
