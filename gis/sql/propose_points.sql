-- Household points of one village for the proposal, households at one spot counted
-- together (a block of flats is one point with many households).
-- A household's own coordinates when it has them, else a point on its building.
-- Both branches find candidates with && against the village in EPSG:4326 (GiST indexes
-- on households.geom and buildings.geom), then ST_Covers so edge points count.
WITH village AS (
    SELECT r.geom FROM regions AS r WHERE r.code = :village_code
),
located AS (
    SELECT h.geom AS point
    FROM households AS h, village AS v
    WHERE h.geom && v.geom AND ST_Covers(v.geom, h.geom)
    UNION ALL
    SELECT ST_PointOnSurface(b.geom) AS point
    FROM households AS h
    JOIN buildings AS b ON b.id = h.building_id
    CROSS JOIN village AS v
    WHERE h.geom IS NULL AND b.geom && v.geom AND ST_Covers(v.geom, ST_PointOnSurface(b.geom))
)
SELECT ST_X(l.point) AS lon, ST_Y(l.point) AS lat, count(*) AS households
FROM located AS l
GROUP BY 1, 2
ORDER BY 1, 2
