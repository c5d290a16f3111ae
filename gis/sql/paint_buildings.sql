-- The buildings a planner paints, each with the draft cell its spot lies in, and every
-- other building in those cells (their spots divide each cell into the areas around its
-- buildings: gis/grid/follow.py building_regions).
-- Spots (buildings.spot, ST_PointOnSurface of the footprint) are EPSG:4326 like the cells:
-- the spot of each named building by primary key, then its cell by ix_grid_cells_geom
-- (&& then ST_Covers; a spot on a shared edge is in the lower code, as locate_points.sql);
-- the cells' other buildings by ix_buildings_spot (GiST), one probe per source cell.
WITH named AS (
    SELECT b.id, b.spot
    FROM buildings AS b
    WHERE b.id = ANY (CAST(:building_ids AS bigint[]))
),
named_cells AS (
    SELECT n.id, n.spot, found.code
    FROM named AS n
    LEFT JOIN LATERAL (
        SELECT btrim(c.code) AS code, c.geom
        FROM grid_cells AS c
        WHERE c.geom && n.spot AND ST_Covers(c.geom, n.spot)
          AND c.generation_low <= :generation_id
          AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
        ORDER BY c.code
        LIMIT 1
    ) AS found ON true
),
sources AS (
    SELECT DISTINCT c.code, c.geom
    FROM grid_cells AS c
    JOIN named_cells AS n ON btrim(c.code) = n.code
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
)
SELECT n.id, n.code, ST_X(n.spot) AS lon, ST_Y(n.spot) AS lat, true AS painted
FROM named_cells AS n
UNION ALL
SELECT b.id, btrim(s.code), ST_X(b.spot), ST_Y(b.spot), false
FROM sources AS s
JOIN buildings AS b ON b.spot && s.geom AND ST_Covers(s.geom, b.spot)
WHERE NOT (b.id = ANY (CAST(:building_ids AS bigint[])))
