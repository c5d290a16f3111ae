-- Build the road network (road_vertices, road_edges) from road_lines, noded with PostGIS
-- alone so that the build does not depend on pgRouting or its version (pgr_createTopology
-- is deprecated from 3.8, and it does not node crossing lines; ST_Node does).
-- The caller has emptied both tables in this transaction (gis/roads/network.py).
-- CRS: EPSG:4326 throughout. Lines are snapped to a :grid_deg grid first (1e-7 degree,
-- about 1 cm), so a junction drawn twice with float noise is one vertex; ST_Node then
-- splits every line where it meets or crosses another (and drops duplicated stretches),
-- and every piece becomes an edge between its two end vertices.
-- Vertices are matched to edge ends by their exact coordinates (a hash join on two
-- doubles, not a geometry comparison per pair). Costs are metres on the spheroid.
WITH parts AS (
    SELECT ST_SnapToGrid(d.geom, :grid_deg) AS geom
    FROM road_lines AS r, ST_Dump(r.geom) AS d
),
noded AS (
    SELECT (ST_Dump(ST_Node(ST_Collect(p.geom)))).geom AS geom
    FROM parts AS p
    WHERE NOT ST_IsEmpty(p.geom) AND ST_NPoints(p.geom) >= 2
),
segments AS (
    SELECT row_number() OVER (ORDER BY n.geom) AS id, n.geom,
           ST_X(ST_StartPoint(n.geom)) AS x1, ST_Y(ST_StartPoint(n.geom)) AS y1,
           ST_X(ST_EndPoint(n.geom)) AS x2, ST_Y(ST_EndPoint(n.geom)) AS y2,
           ST_Length(n.geom::geography) AS metres
    FROM noded AS n
    WHERE ST_Length(n.geom) > 0
),
ends AS (
    SELECT x1 AS x, y1 AS y FROM segments
    UNION
    SELECT x2, y2 FROM segments
),
vertices AS (
    SELECT row_number() OVER (ORDER BY e.x, e.y) AS id, e.x, e.y FROM ends AS e
),
stored AS (
    INSERT INTO road_vertices (id, geom)
    SELECT v.id, ST_SetSRID(ST_MakePoint(v.x, v.y), 4326) FROM vertices AS v
    RETURNING id
)
INSERT INTO road_edges (id, source, target, cost, reverse_cost, geom)
SELECT s.id, a.id, b.id, s.metres, s.metres, s.geom
FROM segments AS s
JOIN vertices AS a ON a.x = s.x1 AND a.y = s.y1
JOIN vertices AS b ON b.x = s.x2 AND b.y = s.y2
