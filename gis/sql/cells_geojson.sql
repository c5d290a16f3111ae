-- Cells valid in one generation as GeoJSON features, paged, optionally inside a bbox.
-- Paging is by code: after = the last code of the previous page (keyset); matched (every
-- cell that fits) is counted only when asked (:count), never for a plain page.
-- The bbox test (&&) is in the table's CRS (EPSG:4326) so the GiST index on geom is used.
-- Simplification tolerance is in degrees (about half a pixel at the requested zoom);
-- ST_SimplifyPreserveTopology keeps every cell a valid polygon.
-- Household counts come from cell_rollups (kept by statement triggers, migration
-- 0012_speed): one primary-key probe per cell, never a count of households; under
-- row-level security only the caller's cells show theirs (others read 0).
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
SELECT CASE WHEN :count THEN (SELECT count(*) FROM selected) END AS matched,
       s.id, s.code, s.name, s.kind, s.dedicated_type, s.village_code,
       round(s.area_m2::numeric, 1)::float AS area_m2,
       coalesce((SELECT r.households FROM cell_rollups AS r WHERE r.cell_id = s.id), 0)
           AS households,
       -- 15 decimals: coordinates leave as stored, never rounded after the fact (stored
       -- cells are on the 1e-7 degree grid and print as such; a generation stored before
       -- that, not yet repaired, would overlap its neighbours if rounded to 7 here).
       ST_AsGeoJSON(CASE WHEN :tolerance > 0
                         THEN ST_SimplifyPreserveTopology(s.geom, :tolerance)
                         ELSE s.geom END, 15)::json AS geometry
FROM selected AS s
WHERE CAST(:after AS text) IS NULL OR s.code > CAST(:after AS text)  -- keyset: next page
ORDER BY s.code
LIMIT :limit OFFSET :offset
