-- Optimistic concurrency for grid edits (gis/grid/versions.py, api/versions.py).
--
-- A cell row's `version` comes from one sequence: every new row (an edit in a draft, a
-- proposal, an import) gets a number never used before, so an ETag read before a cell was
-- removed and added again can never match the new cell (no ABA). A row the draft brings
-- back (a redraw undone) is given a fresh number by the edit that restores it.
CREATE SEQUENCE grid_cell_version_seq AS bigint;
ALTER TABLE grid_cells
    ADD COLUMN version bigint NOT NULL DEFAULT nextval('grid_cell_version_seq');
ALTER SEQUENCE grid_cell_version_seq OWNED BY grid_cells.version;

-- A generation's version counts the changes to it (any cell edit of a draft, its
-- activation): If-Match on activate means "activate the draft as I reviewed it".
ALTER TABLE grid_generations
    ADD COLUMN version    integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN updated_by text;

-- Who changed which cell of a draft, from which version to which: the 409 of a stale edit
-- says who edited first and when; the history shows that no edit was lost (each edit's
-- base_version is the version the edit before it wrote). Rows of a discarded draft go
-- with it.
CREATE TABLE grid_cell_edits (
    id            bigserial PRIMARY KEY,
    generation_id integer NOT NULL REFERENCES grid_generations (id) ON DELETE CASCADE,
    code          char(15) NOT NULL,
    action        text NOT NULL CHECK (action IN ('added', 'redrawn', 'restored', 'removed')),
    version       bigint,          -- NULL for a removal: the code has no row any more
    base_version  bigint,          -- the version the edit replaced (NULL for an addition)
    edited_by     text,
    edited_at     timestamptz NOT NULL DEFAULT now()
);
-- "the latest edit of this code in this draft" (the 409's who/when)
CREATE INDEX ix_grid_cell_edits_code ON grid_cell_edits (generation_id, code, id);
-- Two edits can never both replace the same version of a code in one draft: the database
-- itself refuses a lost update, whatever the application does.
CREATE UNIQUE INDEX uq_grid_cell_edits_base ON grid_cell_edits (generation_id, code, base_version)
    WHERE base_version IS NOT NULL;

-- People rows that PATCH/PUT routes change carry a version too (their ETag). A trigger
-- moves it on at every UPDATE that changes the row, whichever path wrote it (a route, an
-- import, a reassignment after an activation), so an ETag never outlives a change.
-- A no-op UPDATE does not move it; rows are compared as jsonb, which works for a column
-- of any type (a row comparison needs an equality operator for each, and json has none).
CREATE FUNCTION onegrid_next_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;
ALTER TABLE households ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE persons ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE buildings ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE special_population_records ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE TRIGGER tg_households_version BEFORE UPDATE ON households
    FOR EACH ROW EXECUTE FUNCTION onegrid_next_row_version();
CREATE TRIGGER tg_persons_version BEFORE UPDATE ON persons
    FOR EACH ROW EXECUTE FUNCTION onegrid_next_row_version();
CREATE TRIGGER tg_buildings_version BEFORE UPDATE ON buildings
    FOR EACH ROW EXECUTE FUNCTION onegrid_next_row_version();
CREATE TRIGGER tg_special_population_records_version BEFORE UPDATE
    ON special_population_records
    FOR EACH ROW EXECUTE FUNCTION onegrid_next_row_version();

-- The routes check cells:write (cell edits) and generations:write (create, discard,
-- activate), the names gis/reference.py ROLES gives the planner; API keys made for the
-- old names keep working under the new ones.
UPDATE api_keys SET scopes = array_replace(scopes, 'grid:edit', 'cells:write')
    WHERE 'grid:edit' = ANY (scopes);
UPDATE api_keys SET scopes = array_replace(scopes, 'grid:activate', 'generations:write')
    WHERE 'grid:activate' = ANY (scopes);
