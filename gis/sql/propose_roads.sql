-- Road lines crossing one village, for a proposal that follows roads.
-- && against the village in EPSG:4326 uses the GiST index on road_lines.geom; ST_Intersects
-- then drops lines whose box merely overlaps. Clipping happens in Python (shapely), where
-- the lines are noded together with the village boundary.
WITH village AS (
    SELECT r.geom FROM regions AS r WHERE r.code = :village_code
)
SELECT ST_AsBinary(l.geom) AS wkb
FROM road_lines AS l, village AS v
WHERE l.geom && v.geom AND ST_Intersects(l.geom, v.geom)
ORDER BY l.id
