-- Row-level security on the area-bound tables (households, persons, special-population
-- records, incidents), so that a query that forgot its area filter still returns only
-- rows inside the caller's area.
--
-- How a request uses it (gis/auth/rls.py): the service logs in as the app role
-- (<db>_app), and at the start of each transaction
--   set_config('onegrid.scope_all', 'on' | 'off', true)
--   set_config('onegrid.scope_prefixes', '{500151001,...}', true)  -- region code prefixes
--   set_config('onegrid.scope_cells', '{500151001001001,...}', true) -- exact cell codes
-- Unset settings mean "nothing": a transaction that never set its area sees no rows.
-- Superusers and BYPASSRLS roles (the owner, for bulk loads) bypass RLS; FORCE makes the
-- policies apply to a table owner without BYPASSRLS too.

-- The service's role is per database (<db>_app, gis/db_roles.py) and made by the DBA's
-- one-time set-up (`onegrid db setup-sql`), not here: creating roles needs CREATEROLE,
-- which a database owner does not have. migrations/env.py names it in onegrid.app_role.
DO $$
DECLARE
    app text := current_setting('onegrid.app_role');
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
        RAISE EXCEPTION 'role % does not exist: run the SQL of `onegrid db setup-sql`', app;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public '
                   'TO %I', app);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', app);
    -- Tables added by later migrations (run by the same owner) are granted automatically.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                   'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                   'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', app);
END $$;

------------------------------------------------------------------ scope functions
-- True when the transaction declared an unrestricted caller (admin, no area).
CREATE FUNCTION onegrid_scope_all() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('onegrid.scope_all', true), '') = 'on'
$$;

-- The ids of the cells (any generation) inside the caller's area. A set-returning
-- function used as `cell_id IN (SELECT onegrid_scope_cell_ids())`: the planner runs it
-- once per statement as a hashed subplan instead of once per row.
CREATE FUNCTION onegrid_scope_cell_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    WITH scope AS (
        SELECT coalesce(nullif(current_setting('onegrid.scope_prefixes', true), ''),
                        '{}')::text[] AS prefixes,
               coalesce(nullif(current_setting('onegrid.scope_cells', true), ''),
                        '{}')::text[] AS cells
    )
    SELECT c.id
    FROM grid_cells AS c, scope AS s
    WHERE c.code = ANY (s.cells)
       OR EXISTS (SELECT 1 FROM unnest(s.prefixes) AS p(prefix)
                  WHERE p.prefix <> '' AND starts_with(c.code, p.prefix))
$$;

------------------------------------------------------------------ policies
-- Rows without a cell (unlocated households, persons without a household, incidents
-- not yet placed) are visible only to unrestricted callers.
ALTER TABLE households ENABLE ROW LEVEL SECURITY;
ALTER TABLE households FORCE ROW LEVEL SECURITY;
CREATE POLICY households_area ON households
    USING (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()))
    WITH CHECK (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()));

ALTER TABLE persons ENABLE ROW LEVEL SECURITY;
ALTER TABLE persons FORCE ROW LEVEL SECURITY;
CREATE POLICY persons_area ON persons
    USING (onegrid_scope_all() OR household_id IN (
        SELECT h.id FROM households AS h
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())))
    WITH CHECK (onegrid_scope_all() OR household_id IN (
        SELECT h.id FROM households AS h
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())));

ALTER TABLE special_population_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE special_population_records FORCE ROW LEVEL SECURITY;
CREATE POLICY special_population_area ON special_population_records
    USING (onegrid_scope_all() OR person_id IN (
        SELECT p.id FROM persons AS p JOIN households AS h ON h.id = p.household_id
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())))
    WITH CHECK (onegrid_scope_all() OR person_id IN (
        SELECT p.id FROM persons AS p JOIN households AS h ON h.id = p.household_id
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())));

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY incidents_area ON incidents
    USING (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()))
    WITH CHECK (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()));
