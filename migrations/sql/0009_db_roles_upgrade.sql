-- The service's login (current_setting('onegrid.app_role'), made by `onegrid db
-- setup-sql`) gets exactly what requests need; migrations run as the owner.
DO $$
DECLARE
    app text := current_setting('onegrid.app_role');
BEGIN
    -- A database migrated before roles were per database granted to onegrid_app: the
    -- configured role gets the same rights, and the owner's defaults name it from now on.
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public '
                   'TO %I', app);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                   'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                   'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', app);
    -- The access log is append-only for the service: it may read (auditors) and add.
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM %I', app);
    -- The schema version is the owner's business; /healthz only reads it.
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM %I', app);
END $$;

-- Row triggers do not see TRUNCATE: a statement trigger refuses it, for every role.
CREATE TRIGGER tg_access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION onegrid_refuse_change();
