-- The road network for dispatch's road distances: road_lines (0005) noded where they meet
-- or cross, as the vertices and edges pgRouting reads (id, source, target, cost,
-- reverse_cost). Derived data: gis/incidents/road_network.py rebuilds both tables from
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
