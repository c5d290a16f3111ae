-- The hits of assign_households.sql, into a temporary table (the caller creates it as
-- own_hits with a primary key and ANALYZEs it): see gis/people/assignment.py for why.
-- Driven from the cells' side: the generation's pieces probe ix_households_own_geom, the
-- GiST index of households.geom restricted to households placed on their own (EPSG:4326
-- like the pieces), so each piece's geometry is prepared once and a city whose
-- households all have buildings costs nothing here. The naive "UPDATE households FROM
-- grid_cells WHERE ST_Contains" starts from households and tests whole cells.
-- Ties: a point on a shared edge is covered by both neighbours (ST_Covers, not
-- ST_Contains); DISTINCT ON ... ORDER BY code keeps the lowest code, as locate_points.sql.
-- The pieces only find candidates (&&, their GiST index); the covering test is on the whole
-- cell: a cut of ST_Subdivide adds vertices a hair off the cell's edge, so pieces and cell
-- disagree about points on the edge (issue 11; tests/gis/test_one_cell_generated.py).
CREATE TEMPORARY TABLE own_hits ON COMMIT DROP AS
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
)
SELECT DISTINCT ON (h.id) h.id AS household_id, c.id AS cell_id
FROM cells AS c
JOIN grid_cell_pieces AS p ON p.cell_id = c.id
JOIN households AS h ON p.geom && h.geom AND ST_Covers(c.geom, h.geom)
WHERE (h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL)
  AND (CAST(:household_ids AS bigint[]) IS NULL
       OR h.id = ANY (CAST(:household_ids AS bigint[])))
ORDER BY h.id, c.code
