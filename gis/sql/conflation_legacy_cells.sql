-- The cells of one departmental layer with their area in metres (::geography, spheroid)
-- and, when asked, their geometry as GeoJSON (EPSG:4326, 7 decimals ≈ 1 cm).
SELECT l.id, l.source_code, l.name,
       ST_Area(l.geom::geography) AS area_m2,
       CASE WHEN :with_geometry THEN ST_AsGeoJSON(l.geom, 7)::json END AS geometry
FROM legacy_cells AS l
WHERE l.layer_id = :layer_id
ORDER BY l.id
