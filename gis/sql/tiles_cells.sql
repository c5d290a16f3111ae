-- One Mapbox Vector Tile (layer "cells") of the cells valid in a generation, with their
-- household counts and density for a choropleth.
-- Counts come from cell_rollups (kept by statement triggers, migration 0012_speed), one
-- primary-key probe per cell; households are never read here. Under row-level security
-- cell_rollups shows only the caller's cells (an index condition on its key, the cell ids
-- resolved once per transaction); other cells read 0, as counting households did.
-- The tile is cut in Web Mercator (ST_TileEnvelope is EPSG:3857), but cells are chosen in
-- EPSG:4326, the stored CRS, against the envelope transformed to 4326: the && test then
-- runs on grid_cells.geom and its GiST index is used (ST_Transform(geom, 3857) && tile would
-- hide the index and transform every cell). A Mercator tile is also a lon/lat rectangle
-- (x depends on lon only, y on lat only), so the transformed envelope is exact; the
-- margin (buffer / extent) keeps cells that only reach into the tile's buffer.
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile_3857,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS query_4326
),
selected AS (
    SELECT c.id, c.code, c.name, c.kind, c.dedicated_type, c.village_code, c.area_m2, c.geom
    FROM grid_cells AS c, bounds AS b
    WHERE c.geom && b.query_4326
      AND c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
counted AS (
    SELECT s.*, coalesce(r.households, 0) AS households
    FROM selected AS s
    LEFT JOIN cell_rollups AS r ON r.cell_id = s.id
),
features AS (
    SELECT k.code::text AS code, k.name, k.kind, k.dedicated_type,
           k.village_code::text AS village_code, round(k.area_m2)::bigint AS area_m2,
           k.households,
           round((k.households / nullif(k.area_m2 / 1e6, 0))::numeric, 1)::float
               AS households_per_km2,
           ST_AsMVTGeom(ST_Transform(k.geom, 3857), b.tile_3857, :extent, :buffer, true) AS geom
    FROM counted AS k, bounds AS b
)
SELECT ST_AsMVT(f.*, 'cells', :extent, 'geom')
FROM features AS f
WHERE f.geom IS NOT NULL
