-- The road network for dispatch's road distances: road_lines (0005) noded where they meet
-- or cross, as the vertices and edges pgRouting reads (id, source, target, cost,
-- reverse_cost). Derived data: gis/roads/network.py rebuilds both tables from
-- road_lines whenever a road import commits; never edited by hand.
-- CRS: EPSG:4326 like road_lines; costs are metres on the spheroid.
CREATE TABLE road_vertices (
    id   bigint PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL
);
-- GiST: the nearest vertex to a case or a member of staff is a KNN (<->) probe.
CREATE INDEX ix_road_vertices_geom ON road_vertices USING gist (geom);

CREATE TABLE road_edges (
    id           bigint PRIMARY KEY,
    source       bigint NOT NULL REFERENCES road_vertices (id),
    target       bigint NOT NULL REFERENCES road_vertices (id),
    -- metres; the same both ways (the lines carry no one-way data)
    cost         double precision NOT NULL CHECK (cost >= 0),
    reverse_cost double precision NOT NULL CHECK (reverse_cost >= 0),
    geom         geometry(LineString, 4326) NOT NULL
);
-- GiST: a route reads only the edges around the case and its candidates (&&).
CREATE INDEX ix_road_edges_geom ON road_edges USING gist (geom);

-- Roads imported before this migration get their network now (later imports rebuild it).
-- The build of gis/sql/road_network_build.sql as of this revision, its grid (1e-7 degree,
-- gis/roads/network.py GRID_DEG) written in.
WITH parts AS (
    SELECT ST_SnapToGrid(d.geom, 1e-7) AS geom
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
JOIN vertices AS b ON b.x = s.x2 AND b.y = s.y2;
