-- The nearest active staff by ROAD distance over road_edges (pgRouting's pgr_dijkstraCost,
-- one-to-many from the case's nearest road vertex; undirected: the lines carry no one-way
-- data). Only run when pgrouting is installed and the network has edges
-- (gis/incidents/nearest.py); else incident_nearest_staff.sql, straight-line, answers.
-- Candidates: the :candidates nearest by straight line with a fresh position (KNN <-> in
-- EPSG:4326 on ix_staff_positions_geom), as in the straight-line query; road distance
-- only re-ranks them, so someone far away in a straight line is never found by road.
-- Each point joins the network at its nearest vertex (KNN on ix_road_vertices_geom); the
-- walk to it (straight, metres on the spheroid) is added to the route. A point whose
-- nearest vertex is over :max_access_m away is off the network.
-- The route reads only the edges in the envelope of the case and its candidates, widened
-- by half its size and at least :margin_deg (EPSG:4326, && on ix_road_edges_geom), so a
-- city's whole network is not loaded for one case; a detour beyond that is not seen.
-- The envelope reaches pgr_dijkstraCost inside its edges SQL text through format('%L'),
-- the quoting pgRouting's inner queries need: it is a geometry the query made, not input.
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom),
candidates AS (
    SELECT s.id, s.name, s.phone, sp.reported_at, sp.geom
    FROM p, staff_positions AS sp
    JOIN staff AS s ON s.id = sp.staff_id AND s.active
    WHERE sp.reported_at >= CAST(:now AS timestamptz) - make_interval(hours => :max_age_hours)
    ORDER BY sp.geom <-> p.geom
    LIMIT :candidates
),
case_vertex AS (
    SELECT v.id, ST_Distance(v.geom::geography, p.geom::geography) AS access_m
    FROM p CROSS JOIN LATERAL (
        SELECT rv.id, rv.geom FROM road_vertices AS rv ORDER BY rv.geom <-> p.geom LIMIT 1
    ) AS v
),
staff_vertex AS (
    SELECT c.id AS staff_id, v.id AS vertex_id,
           ST_Distance(v.geom::geography, c.geom::geography) AS access_m
    FROM candidates AS c CROSS JOIN LATERAL (
        SELECT rv.id, rv.geom FROM road_vertices AS rv ORDER BY rv.geom <-> c.geom LIMIT 1
    ) AS v
),
area AS (
    SELECT ST_Expand(e.box, greatest(:margin_deg, (ST_XMax(e.box) - ST_XMin(e.box)) / 2,
                                     (ST_YMax(e.box) - ST_YMin(e.box)) / 2)) AS box
    FROM (SELECT ST_SetSRID(ST_Extent(g)::geometry, 4326) AS box
          FROM (SELECT geom AS g FROM p UNION ALL SELECT geom FROM candidates) AS pts) AS e
),
routes AS (
    SELECT r.end_vid, r.agg_cost
    FROM pgr_dijkstraCost(
        format('SELECT id, source, target, cost, reverse_cost FROM road_edges'
               ' WHERE geom && %L::geometry', (SELECT ST_AsEWKT(box) FROM area)),
        (SELECT id FROM case_vertex),
        -- NULL, not '{}', when nobody is near: the function is strict, '{}' an error
        (SELECT array_agg(DISTINCT vertex_id) FROM staff_vertex),
        directed => false) AS r
),
ranked AS (
    SELECT c.id, c.name, c.phone, c.reported_at AS position_at,
           ST_Distance(c.geom::geography, p.geom::geography) AS straight_m,
           cv.access_m + sv.access_m
               + CASE WHEN sv.vertex_id = cv.id THEN 0 ELSE r.agg_cost END AS distance_m
    FROM candidates AS c
    CROSS JOIN p
    CROSS JOIN case_vertex AS cv
    JOIN staff_vertex AS sv ON sv.staff_id = c.id
    LEFT JOIN routes AS r ON r.end_vid = sv.vertex_id
    WHERE cv.access_m <= :max_access_m AND sv.access_m <= :max_access_m
)
-- no route (another component of the network, or off it): left out
SELECT id, name, phone, position_at, straight_m, distance_m
FROM ranked
WHERE distance_m IS NOT NULL
ORDER BY distance_m, id
LIMIT :limit
