-- Departmental grid layers (综治, 城管, 党建, 应急…) as they were drawn before the merge.
-- Kept apart from grid_cells on purpose: legacy cells obey none of the unified grid's
-- rules (they overlap, straddle villages, leave gaps); they are only compared with it.
-- CRS: EPSG:4326 like every other geometry (imports transform on the way in); areas
-- are computed in metres via ::geography, so no projected zone is stored.

CREATE TABLE legacy_layers (
    id            serial PRIMARY KEY,
    department    text NOT NULL CHECK (length(btrim(department)) > 0),
    name          text NOT NULL CHECK (length(btrim(name)) > 0),
    source_file   text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    imported_by   text,
    crs_label     text NOT NULL,     -- the CRS the file was declared in, before transforming
    feature_count integer NOT NULL CHECK (feature_count >= 0)
);
CREATE INDEX ix_legacy_layers_department ON legacy_layers (department);

CREATE TABLE legacy_cells (
    id          bigserial PRIMARY KEY,
    layer_id    integer NOT NULL REFERENCES legacy_layers (id) ON DELETE CASCADE,
    source_code text,                -- the department's own code, kept as text (any format)
    name        text,
    geom        geometry(MultiPolygon, 4326) NOT NULL
                CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    attributes  jsonb NOT NULL DEFAULT '{}'::jsonb   -- every other column of the source file
);
-- GiST: conflation joins legacy cells to unified cells with ST_Intersects (&& first).
CREATE INDEX ix_legacy_cells_geom ON legacy_cells USING gist (geom);
CREATE INDEX ix_legacy_cells_layer ON legacy_cells (layer_id);
