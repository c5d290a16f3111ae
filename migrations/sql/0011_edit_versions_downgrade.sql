UPDATE api_keys SET scopes = array_replace(scopes, 'generations:write', 'grid:activate')
    WHERE 'generations:write' = ANY (scopes);
UPDATE api_keys SET scopes = array_replace(scopes, 'cells:write', 'grid:edit')
    WHERE 'cells:write' = ANY (scopes);
DROP TRIGGER tg_special_population_records_version ON special_population_records;
DROP TRIGGER tg_buildings_version ON buildings;
DROP TRIGGER tg_persons_version ON persons;
DROP TRIGGER tg_households_version ON households;
ALTER TABLE special_population_records DROP COLUMN version;
ALTER TABLE buildings DROP COLUMN version;
ALTER TABLE persons DROP COLUMN version;
ALTER TABLE households DROP COLUMN version;
DROP FUNCTION onegrid_next_row_version();
DROP TABLE grid_cell_edits;
ALTER TABLE grid_generations DROP COLUMN version, DROP COLUMN updated_at, DROP COLUMN updated_by;
ALTER TABLE grid_cells DROP COLUMN version;  -- drops grid_cell_version_seq (OWNED BY)
