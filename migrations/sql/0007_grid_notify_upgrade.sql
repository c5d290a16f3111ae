-- NOTIFY onegrid_grid when what /locate answers may have changed: the API processes keep
-- the active generation's cells in memory (gis.grid.cell_index, api.locate_index) and
-- LISTEN on this channel. A notification is sent at commit, once per transaction and
-- table (PostgreSQL folds duplicates), never for a rolled-back change.
--
-- Statement-level triggers: a bulk import of 5,000 cells is one check, not 5,000. Cells
-- and pieces notify only when a changed row belongs to the active generation, so planners
-- drawing a draft do not make every API process reload; generations and regions (a few
-- rows, rarely written) always notify.

CREATE FUNCTION onegrid_notify_grid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('onegrid_grid', TG_TABLE_NAME);
    RETURN NULL;
END $$;

-- Is a cell with this generation range in the active generation? (The active
-- generation is one row: uq_grid_generations_one_active.)
CREATE FUNCTION onegrid_in_active_generation(low integer, high integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM grid_generations AS g
                   WHERE g.status = 'active' AND low <= g.id AND (high IS NULL OR high >= g.id))
$$;

-- Do the changed grid_cells rows (transition tables) touch the active generation?
CREATE FUNCTION onegrid_notify_active_cells() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched boolean := false;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT bool_or(onegrid_in_active_generation(c.generation_low, c.generation_high))
        FROM changed_new AS c INTO touched;
    END IF;
    IF NOT coalesce(touched, false) AND TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT bool_or(onegrid_in_active_generation(c.generation_low, c.generation_high))
        FROM changed_old AS c INTO touched;
    END IF;
    IF touched THEN
        PERFORM pg_notify('onegrid_grid', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END $$;

-- The same for grid_cell_pieces rows, through their cell (grid_cells_pkey). Pieces whose
-- cell is gone (ON DELETE CASCADE) were announced by the cell's own trigger.
CREATE FUNCTION onegrid_notify_active_pieces() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched boolean := false;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT bool_or(onegrid_in_active_generation(c.generation_low, c.generation_high))
        FROM changed_new AS p JOIN grid_cells AS c ON c.id = p.cell_id INTO touched;
    END IF;
    IF NOT coalesce(touched, false) AND TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT bool_or(onegrid_in_active_generation(c.generation_low, c.generation_high))
        FROM changed_old AS p JOIN grid_cells AS c ON c.id = p.cell_id INTO touched;
    END IF;
    IF touched THEN
        PERFORM pg_notify('onegrid_grid', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END $$;

-- A trigger with transition tables covers one event (INSERT, UPDATE or DELETE).
CREATE TRIGGER tg_grid_cells_notify_insert AFTER INSERT ON grid_cells
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_active_cells();
CREATE TRIGGER tg_grid_cells_notify_update AFTER UPDATE ON grid_cells
    REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_active_cells();
CREATE TRIGGER tg_grid_cells_notify_delete AFTER DELETE ON grid_cells
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_active_cells();
CREATE TRIGGER tg_grid_cells_notify_truncate AFTER TRUNCATE ON grid_cells
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_grid();

CREATE TRIGGER tg_grid_cell_pieces_notify_insert AFTER INSERT ON grid_cell_pieces
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_active_pieces();
CREATE TRIGGER tg_grid_cell_pieces_notify_update AFTER UPDATE ON grid_cell_pieces
    REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_active_pieces();
CREATE TRIGGER tg_grid_cell_pieces_notify_delete AFTER DELETE ON grid_cell_pieces
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_active_pieces();
CREATE TRIGGER tg_grid_cell_pieces_notify_truncate AFTER TRUNCATE ON grid_cell_pieces
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_grid();

CREATE TRIGGER tg_grid_generations_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grid_generations
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_grid();
CREATE TRIGGER tg_regions_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON regions
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_notify_grid();
