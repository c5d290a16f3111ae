-- The map's search box (gis/sql/search.sql): indexes for what a user types.
-- Codes and household numbers are matched by prefix (LIKE 'q%'): btree indexes with
-- pattern operator classes serve a prefix whatever the database's collation.
-- Names and addresses are matched anywhere (ILIKE '%q%'): trigram GIN indexes (pg_trgm,
-- a trusted extension since PostgreSQL 13: the database's owner may create it; queries
-- of fewer than three characters still read the index whole, as pg_trgm documents).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX ix_grid_cells_code_prefix ON grid_cells (code bpchar_pattern_ops);
CREATE INDEX ix_grid_cells_name_trgm ON grid_cells USING gin (name gin_trgm_ops);
CREATE INDEX ix_regions_code_prefix ON regions (code bpchar_pattern_ops);
CREATE INDEX ix_regions_name_trgm ON regions USING gin (name gin_trgm_ops);
CREATE INDEX ix_buildings_code_prefix ON buildings (code text_pattern_ops);
CREATE INDEX ix_buildings_address_trgm ON buildings USING gin (address gin_trgm_ops);
CREATE INDEX ix_households_external_id_prefix ON households (external_id text_pattern_ops);
CREATE INDEX ix_households_address_trgm ON households USING gin (address gin_trgm_ops);
