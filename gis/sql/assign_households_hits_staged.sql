-- assign_households_hits.sql on the staged points of assign_households_points.sql (when
-- row-level security applies; see there): the same join and rules, driven from the
-- generation's pieces, each probing own_points' GiST index (EPSG:4326); the whole cell
-- decides (ST_Covers), the lowest code wins on a shared edge.
CREATE TEMPORARY TABLE own_hits ON COMMIT DROP AS
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
)
SELECT DISTINCT ON (pt.id) pt.id AS household_id, c.id AS cell_id
FROM cells AS c
JOIN grid_cell_pieces AS p ON p.cell_id = c.id
JOIN own_points AS pt ON p.geom && pt.geom AND ST_Covers(c.geom, pt.geom)
ORDER BY pt.id, c.code
