-- The active generation's lookup pieces, one row per piece, with everything /locate says
-- about the piece's cell: the in-memory point index (gis.grid.cell_index) is built from
-- this. It must answer exactly as locate_points.sql does for a point inside a cell:
-- * the pieces are grid_cell_pieces (ST_Subdivide'd, EPSG:4326) as WKB, the candidates
--   locate_points.sql finds with &&, and each cell's own polygon, which it tests;
-- * `code_rank` is the cells' order by code under the database's collation, so a point on
--   a shared edge goes to the cell locate_points.sql's ORDER BY c.code picks;
-- * the region chain is locate_points.sql's "with a cell" branch: the cell's own village
--   and that village's town and district, found by code through regions_code_key.
-- Read once per change of the grid (NOTIFY onegrid_grid, migration 0007), not per request:
-- a sequential read of the generation's cells and pieces is the right plan.
WITH generation AS (
    SELECT g.id FROM grid_generations AS g WHERE g.status = 'active'
),
cells AS (
    SELECT generation.id AS generation_id, c.id, c.code, c.name, c.kind, c.village_code, c.geom,
           dense_rank() OVER (ORDER BY c.code) AS code_rank
    FROM generation, grid_cells AS c
    WHERE c.generation_low <= generation.id
      AND (c.generation_high IS NULL OR c.generation_high >= generation.id)
)
SELECT
    c.generation_id, c.id AS cell_id, c.code AS cell_code, c.name AS cell_name,
    c.kind AS cell_kind, c.code_rank,
    chain.village_code, chain.village_name, chain.town_code, chain.town_name,
    chain.district_code, chain.district_name,
    ST_AsBinary(p.geom) AS piece_wkb,
    -- the whole cell, once (on its first piece's row): the pieces only find candidates,
    -- the point is tested on the cell, as locate_points.sql does
    CASE WHEN row_number() OVER (PARTITION BY c.id ORDER BY p.id) = 1
         THEN ST_AsBinary(c.geom) END AS cell_wkb
FROM cells AS c
JOIN grid_cell_pieces AS p ON p.cell_id = c.id
LEFT JOIN LATERAL (
    SELECT max(r.code) FILTER (WHERE r.level = 'village') AS village_code,
           max(r.name) FILTER (WHERE r.level = 'village') AS village_name,
           max(r.code) FILTER (WHERE r.level = 'town') AS town_code,
           max(r.name) FILTER (WHERE r.level = 'town') AS town_name,
           max(r.code) FILTER (WHERE r.level = 'district') AS district_code,
           max(r.name) FILTER (WHERE r.level = 'district') AS district_name
    FROM (
        SELECT r.level, btrim(r.code) AS code, r.name
        FROM regions AS r
        WHERE r.code IN (c.village_code,
                         CAST(left(c.village_code, 9) || '000' AS char(12)),
                         CAST(left(c.village_code, 6) || '000000' AS char(12)))
    ) AS r
) AS chain ON true
ORDER BY c.code_rank, p.id
