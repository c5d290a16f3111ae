DROP INDEX IF EXISTS ix_households_address_trgm;
DROP INDEX IF EXISTS ix_households_external_id_prefix;
DROP INDEX IF EXISTS ix_buildings_address_trgm;
DROP INDEX IF EXISTS ix_buildings_code_prefix;
DROP INDEX IF EXISTS ix_regions_name_trgm;
DROP INDEX IF EXISTS ix_regions_code_prefix;
DROP INDEX IF EXISTS ix_grid_cells_name_trgm;
DROP INDEX IF EXISTS ix_grid_cells_code_prefix;
-- pg_trgm stays: the DBA's set-up may have created it (gis/db_roles.py EXTENSIONS), and
-- only its owner could drop it.
