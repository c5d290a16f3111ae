-- Cells valid in one generation as GeoJSON features, paged, optionally inside a bbox.
-- The bbox test (&&) is in the table's CRS (EPSG:4326) so the GiST index on geom is used.
-- Simplification tolerance is in degrees (about half a pixel at the requested zoom);
-- ST_SimplifyPreserveTopology keeps every cell a valid polygon.
WITH selected AS (
    SELECT c.id, c.code, c.name, c.kind, c.dedicated_type, c.village_code, c.area_m2,
           c.generation_low, c.generation_high, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
      AND (CAST(:region_prefix AS text) IS NULL
           OR c.village_code LIKE CAST(:region_prefix AS text) || '%')
      AND (NOT :has_bbox
           OR c.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326))
)
SELECT count(*) OVER () AS matched,
       s.id, s.code, s.name, s.kind, s.dedicated_type, s.village_code,
       round(s.area_m2::numeric, 1)::float AS area_m2,
       (SELECT count(*) FROM household_cells AS h WHERE h.cell_id = s.id) AS households,
       -- 15 decimals: coordinates leave as stored, never rounded after the fact (stored
       -- cells are on the 1e-7 degree grid and print as such; a generation stored before
       -- that, not yet repaired, would overlap its neighbours if rounded to 7 here).
       ST_AsGeoJSON(CASE WHEN :tolerance > 0
                         THEN ST_SimplifyPreserveTopology(s.geom, :tolerance)
                         ELSE s.geom END, 15)::json AS geometry
FROM selected AS s
ORDER BY s.code
LIMIT :limit OFFSET :offset
