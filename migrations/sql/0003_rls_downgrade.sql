-- Undo 0003_rls: policies, functions, grants.
DROP POLICY IF EXISTS incidents_area ON incidents;
DROP POLICY IF EXISTS special_population_area ON special_population_records;
DROP POLICY IF EXISTS persons_area ON persons;
DROP POLICY IF EXISTS households_area ON households;
ALTER TABLE incidents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE incidents DISABLE ROW LEVEL SECURITY;
ALTER TABLE special_population_records NO FORCE ROW LEVEL SECURITY;
ALTER TABLE special_population_records DISABLE ROW LEVEL SECURITY;
ALTER TABLE persons NO FORCE ROW LEVEL SECURITY;
ALTER TABLE persons DISABLE ROW LEVEL SECURITY;
ALTER TABLE households NO FORCE ROW LEVEL SECURITY;
ALTER TABLE households DISABLE ROW LEVEL SECURITY;

DROP FUNCTION IF EXISTS onegrid_scope_cell_ids();
DROP FUNCTION IF EXISTS onegrid_scope_all();

-- The role itself belongs to the DBA's set-up: only its privileges here go.
DO $$
DECLARE
    app text := current_setting('onegrid.app_role');
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                   'REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                   'REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM %I', app);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', app);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', app);
END $$;
