-- Point -> the regions (district, town, village) that cover it, most local first.
-- Regions are few and GiST-indexed in EPSG:4326; ST_Covers so boundary points match.
SELECT r.code, r.level, r.name
FROM regions AS r
WHERE ST_Covers(r.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY CASE r.level WHEN 'village' THEN 0 WHEN 'town' THEN 1 ELSE 2 END, r.code
