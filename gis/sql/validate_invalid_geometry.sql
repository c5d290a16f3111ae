-- Invalid or empty cells of one generation. The column CHECK already refuses them, so
-- this finds rows written before the check existed or by a PostGIS/GEOS with other rules.
-- Location: the point GEOS names in its reason (EPSG:4326), else a point on the cell.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
broken AS (
    SELECT c.code, c.geom, ST_IsValidDetail(c.geom) AS detail
    FROM cells AS c
    WHERE ST_IsEmpty(c.geom) OR NOT ST_IsValid(c.geom)
)
SELECT ARRAY[b.code] AS codes,
       coalesce((b.detail).reason, 'empty geometry') AS reason,
       ST_AsGeoJSON(coalesce((b.detail).location, ST_PointOnSurface(b.geom)), 7)::json AS location
FROM broken AS b
ORDER BY b.code
