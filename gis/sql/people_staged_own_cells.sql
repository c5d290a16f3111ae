-- The own cell of each staged household placed on its own (not by its building), by the
-- rule of assign_households.sql: ST_Covers (a point on an edge is covered by both
-- neighbours), the lowest code wins. Into the temporary table staged_own_cells, which
-- gis/people/ingest/households.py copies into household_own_cells before the households
-- are written (people_insert_households.sql).
-- Driven from the generation's pieces: each piece probes the GiST index of the staged
-- points (built by the caller), so each piece's geometry is prepared once. All EPSG:4326.
CREATE TEMPORARY TABLE staged_own_cells ON COMMIT DROP AS
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
hits AS (
    SELECT DISTINCT ON (s.id) s.id AS household_id, c.id AS cell_id
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    -- pieces find candidates, the whole cell decides (see locate_points.sql)
    JOIN staged_households AS s ON p.geom && s.geom AND ST_Covers(c.geom, s.geom)
    WHERE s.located_by IS DISTINCT FROM 'building' OR s.building_id IS NULL
    ORDER BY s.id, c.code
)
SELECT household_id, cell_id FROM hits
