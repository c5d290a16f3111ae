-- Ids of the buildings in the area that changed between two generations (see
-- assign_changed_area.sql): through building_cells for cell rows that are gone
-- (ix_building_cells_cell), and by the GiST index of buildings.spot (EPSG:4326, like the
-- pieces) under the pieces of cell rows that came.
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
)
SELECT coalesce(array_agg(DISTINCT id), '{}') AS ids FROM (
    SELECT bc.building_id AS id FROM building_cells AS bc
    WHERE bc.cell_id IN (SELECT id FROM gone)
    UNION ALL
    SELECT b.id
    FROM came
    JOIN grid_cell_pieces AS p ON p.cell_id = came.id
    -- pieces find candidates, the whole cell decides (see locate_points.sql)
    JOIN buildings AS b ON p.geom && b.spot AND ST_Covers(came.geom, b.spot)
) AS found
