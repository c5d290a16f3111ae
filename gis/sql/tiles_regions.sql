-- One Mapbox Vector Tile of the regions of one level (layer "towns" or "villages"), with
-- the households of the generation's cells inside each, for a choropleth.
-- Regions are chosen in EPSG:4326 (stored CRS, GiST index on regions.geom) against the
-- Mercator tile envelope transformed to 4326, which is exact for a Web Mercator tile; see
-- tiles_cells.sql. Households are counted once per village and summed for towns
-- (a town's code shares its first 9 digits with its villages).
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile_3857,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS query_4326
),
selected AS (
    SELECT r.code, r.name, r.parent_code, r.urban, r.geom
    FROM regions AS r, bounds AS b
    WHERE r.level = :level AND r.geom && b.query_4326
),
per_village AS (
    -- cell_rollups (kept by statement triggers, 0012_speed), one primary-key probe per
    -- cell; under row-level security only the caller's cells count
    SELECT c.village_code, sum(coalesce(r.households, 0)) AS households
    FROM grid_cells AS c
    LEFT JOIN cell_rollups AS r ON r.cell_id = c.id
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
      AND EXISTS (SELECT 1 FROM selected AS s
                  WHERE left(c.village_code, :prefix) = left(s.code, :prefix))
    GROUP BY c.village_code
),
features AS (
    SELECT s.code::text AS code, s.name, s.parent_code::text AS parent_code, s.urban,
           (SELECT coalesce(sum(v.households), 0)::bigint FROM per_village AS v
            WHERE left(v.village_code, :prefix) = left(s.code, :prefix)) AS households,
           ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.tile_3857, :extent, :buffer, true) AS geom
    FROM selected AS s, bounds AS b
)
SELECT ST_AsMVT(f.*, :layer, :extent, 'geom')
FROM features AS f
WHERE f.geom IS NOT NULL
