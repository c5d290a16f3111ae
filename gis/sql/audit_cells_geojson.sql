-- Outlines of audited cells as GeoJSON geometries (EPSG:4326, as stored), for the coverage
-- maps. Simplified by :tolerance degrees (0 = exact; ~1e-5 deg is ~1 m, invisible at the
-- zoom a district is seen at); ST_SimplifyPreserveTopology keeps each cell a valid polygon.
-- The codes come from the audit, which already applied the caller's area.
SELECT c.code,
       ST_AsGeoJSON(CASE WHEN :tolerance > 0
                         THEN ST_SimplifyPreserveTopology(c.geom, :tolerance)
                         ELSE c.geom END, 6)::json AS geometry
FROM grid_cells AS c
WHERE c.generation_low <= :generation_id
  AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
  AND c.code = ANY (CAST(:codes AS text[]))
ORDER BY c.code
