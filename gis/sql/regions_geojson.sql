-- Regions as GeoJSON features, filtered by level, parent code prefix and bbox.
-- bbox with && in EPSG:4326 (the table's CRS) so the GiST index is used; tolerance in degrees.
-- Paging by code (after = last code seen); matched only when asked (:count).
WITH selected AS (
    SELECT r.code, r.level, r.name, r.parent_code, r.urban, r.geom
    FROM regions AS r
    WHERE (CAST(:level AS text) IS NULL OR r.level = CAST(:level AS text))
      AND (CAST(:parent_code AS text) IS NULL OR r.parent_code = CAST(:parent_code AS text))
      AND (NOT :has_bbox OR r.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326))
)
SELECT CASE WHEN :count THEN (SELECT count(*) FROM selected) END AS matched,
       r.code, r.level, r.name, r.parent_code, r.urban,
       round(ST_Area(r.geom::geography)::numeric)::float AS area_m2,  -- metres on the spheroid
       ST_AsGeoJSON(CASE WHEN :tolerance > 0
                         THEN ST_SimplifyPreserveTopology(r.geom, :tolerance)
                         ELSE r.geom END, 7)::json AS geometry
FROM selected AS r
WHERE CAST(:after AS text) IS NULL OR r.code > CAST(:after AS text)
ORDER BY r.code
LIMIT :limit OFFSET :offset
