DROP TABLE incident_photos;
DROP TRIGGER tg_incidents_notify ON incidents;
DROP FUNCTION onegrid_notify_incident();
DROP TRIGGER tg_incidents_chain ON incidents;
DROP FUNCTION onegrid_incident_chain();
DROP TABLE staff_positions;
DROP TABLE calendar_days;
ALTER TABLE incident_transitions DROP COLUMN action, DROP COLUMN role;
DROP INDEX ix_incidents_category_reported;
DROP INDEX ix_incidents_due_open;
ALTER TABLE incidents
    DROP COLUMN version, DROP COLUMN generation_id, DROP COLUMN village_code, DROP COLUMN cell_code,
    DROP COLUMN town_code, DROP COLUMN district_code, DROP COLUMN department,
    DROP COLUMN building_id, DROP COLUMN address, DROP COLUMN media_url,
    DROP COLUMN yellow_at, DROP COLUMN light, DROP COLUMN updated_at, DROP COLUMN duplicate_of,
    DROP COLUMN evaluation, DROP COLUMN open311_token, DROP COLUMN reporter,
    DROP COLUMN attributes;
UPDATE incidents SET status = 'closed' WHERE status = 'evaluated';
UPDATE incidents SET status = 'cancelled' WHERE status IN ('rejected', 'merged');
ALTER TABLE incidents DROP CONSTRAINT incidents_status_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_status_check CHECK (status IN (
    'reported', 'registered', 'dispatched', 'handling', 'feedback', 'verified', 'closed',
    'cancelled'));
ALTER TABLE incident_categories
    DROP COLUMN department, DROP COLUMN triage, DROP COLUMN working_time,
    DROP COLUMN active, DROP COLUMN description, DROP COLUMN open311_public,
    DROP COLUMN open311_attributes;
