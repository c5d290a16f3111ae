-- Roads (and paths, rivers, walls: any line a cell border should follow) for proposals.
-- A reference layer, not versioned: a proposal reads whatever lines are loaded now.
-- CRS: EPSG:4326 like every other geometry (the importer transforms on the way in).

CREATE TABLE road_lines (
    id     bigserial PRIMARY KEY,
    name   text,
    kind   text,                  -- the source's own class (主干道, 支路, footway…), unchecked
    source text NOT NULL,         -- the file it came from, so a bad load can be found and removed
    geom   geometry(MultiLineString, 4326) NOT NULL
           CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
-- GiST: a proposal picks the roads of one village with && then ST_Intersects.
CREATE INDEX ix_road_lines_geom ON road_lines USING gist (geom);
