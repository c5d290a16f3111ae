DROP TRIGGER IF EXISTS tg_access_log_no_truncate ON access_log;
DO $$
DECLARE
    app text := current_setting('onegrid.app_role');
BEGIN
    EXECUTE format('GRANT UPDATE, DELETE ON access_log TO %I', app);
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON alembic_version TO %I', app);
END $$;
