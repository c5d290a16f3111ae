-- The nearest active staff by their last known position (staff_positions), STRAIGHT-LINE
-- distance: no road network is used. KNN (<->) in EPSG:4326 on the GiST index
-- ix_staff_positions_geom picks candidates (degrees, so a few more than asked), then they
-- are ranked by metres on the spheroid. Positions older than :max_age_hours are stale.
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom),
candidates AS (
    SELECT s.id, s.name, s.phone, sp.reported_at, sp.geom
    FROM p, staff_positions AS sp
    JOIN staff AS s ON s.id = sp.staff_id AND s.active
    WHERE sp.reported_at >= CAST(:now AS timestamptz) - make_interval(hours => :max_age_hours)
    ORDER BY sp.geom <-> p.geom
    LIMIT :limit * 4
)
SELECT c.id, c.name, c.phone, c.reported_at AS position_at,
       ST_Distance(c.geom::geography, p.geom::geography) AS distance_m
FROM candidates AS c, p
ORDER BY distance_m, c.id
LIMIT :limit
