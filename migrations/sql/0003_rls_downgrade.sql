-- Undo 0003_rls: policies, functions, grants; the role goes if no other database uses it.
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

ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM onegrid_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM onegrid_app;
-- Drops every privilege the role holds in THIS database (it owns no objects).
DROP OWNED BY onegrid_app;

DO $$
BEGIN
    DROP ROLE onegrid_app;
EXCEPTION WHEN dependent_objects_still_exist THEN
    -- Another database on this server still grants it something: keep the role there.
    RAISE NOTICE 'role onegrid_app is still used by another database; not dropped';
END $$;
