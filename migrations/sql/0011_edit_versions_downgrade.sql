UPDATE api_keys SET scopes = array_replace(scopes, 'generations:write', 'grid:activate')
    WHERE 'generations:write' = ANY (scopes);
UPDATE api_keys SET scopes = array_replace(scopes, 'cells:write', 'grid:edit')
    WHERE 'cells:write' = ANY (scopes);
DROP TABLE grid_cell_edits;
ALTER TABLE grid_generations DROP COLUMN version, DROP COLUMN updated_at, DROP COLUMN updated_by;
ALTER TABLE grid_cells DROP COLUMN version;  -- drops grid_cell_version_seq (OWNED BY)
