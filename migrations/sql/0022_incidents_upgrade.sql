-- Dispatch: the catalogue's routing data, the case's location chain, version and timers,
-- the working-day calendar, staff positions, Open311 tokens and merged duplicates.

------------------------------------------------------------------ catalogue (data, not code)
-- Which department handles a category, its 三事分流 triage, and whether its limit counts
-- working hours (calendar_days + configured hours) or wall-clock hours.
ALTER TABLE incident_categories
    ADD COLUMN department   text,
    ADD COLUMN triage       text CHECK (triage IN ('major', 'minor', 'private')),
    ADD COLUMN working_time boolean NOT NULL DEFAULT false,
    ADD COLUMN active       boolean NOT NULL DEFAULT true,
    ADD COLUMN description  text,
    -- Open311: whether citizens' apps see and report this category (special-population
    -- events and disputes are not public), and its service-definition attributes
    -- ([{code, datatype, required, description, order, values: [{key, name}]}]).
    ADD COLUMN open311_public     boolean NOT NULL DEFAULT true,
    ADD COLUMN open311_attributes jsonb NOT NULL DEFAULT '[]';

------------------------------------------------------------------ the case
ALTER TABLE incidents DROP CONSTRAINT incidents_status_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_status_check CHECK (status IN (
    'reported', 'registered', 'dispatched', 'handling', 'feedback', 'verified', 'closed',
    'evaluated', 'rejected', 'merged', 'cancelled'));
ALTER TABLE incidents
    -- optimistic concurrency: every transition moves it on (If-Match / ETag)
    ADD COLUMN version        integer NOT NULL DEFAULT 1,
    -- where it was located, under the generation in force at the report time
    ADD COLUMN generation_id  integer REFERENCES grid_generations (id),
    ADD COLUMN cell_code      char(15),
    ADD COLUMN village_code   char(12),
    ADD COLUMN town_code      char(12),
    ADD COLUMN district_code  char(12),
    ADD COLUMN department     text,
    ADD COLUMN building_id    bigint REFERENCES buildings (id),
    ADD COLUMN address        text,
    ADD COLUMN media_url      text,
    -- the light turns yellow at yellow_at and red at due_at (both in working time when
    -- the category says so, computed when the clock starts and when a case escalates)
    ADD COLUMN yellow_at      timestamptz,
    -- the light as last announced (transitions and the sweeper keep it; the feed tells
    -- consoles when it changes); queries compute the exact light from the deadlines
    ADD COLUMN light          text CHECK (light IN ('green', 'yellow', 'red')),
    ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN duplicate_of   bigint REFERENCES incidents (id),
    ADD COLUMN evaluation     smallint CHECK (evaluation BETWEEN 1 AND 5),
    -- an Open311 client's token until the request has an id (kept: tokens/{token})
    ADD COLUMN open311_token  text UNIQUE,
    -- who reported it (citizen contact from Open311: personal data, area-bound by RLS)
    ADD COLUMN reporter       jsonb NOT NULL DEFAULT '{}',
    -- answers to the category's Open311 attributes (attribute[code]=value)
    ADD COLUMN attributes     jsonb NOT NULL DEFAULT '{}';
-- Whoever writes a case with a cell (the intake, the demo's bulk load, a fix by hand), its
-- chain follows from the cell: the cell's stable code, village, town and district (the
-- town and district codes are prefixes by the regions' hierarchy CHECK), the generation
-- in force if none was given (the active one, when the cell is valid in it), the
-- category's department; and a yellow light at 3/4 of a deadline set without one.
CREATE FUNCTION onegrid_incident_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cell_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.cell_code IS NULL
                                    OR NEW.cell_id IS DISTINCT FROM OLD.cell_id) THEN
        SELECT c.code, c.village_code,
               CAST(left(c.village_code, 9) || '000' AS char(12)),
               CAST(left(c.village_code, 6) || '000000' AS char(12)),
               coalesce(NEW.generation_id, (
                   SELECT g.id FROM grid_generations AS g
                   WHERE g.status = 'active' AND c.generation_low <= g.id
                     AND (c.generation_high IS NULL OR c.generation_high >= g.id)))
        INTO NEW.cell_code, NEW.village_code, NEW.town_code, NEW.district_code,
             NEW.generation_id
        FROM grid_cells AS c WHERE c.id = NEW.cell_id;
    END IF;
    IF NEW.department IS NULL THEN
        SELECT k.department INTO NEW.department
        FROM incident_categories AS k WHERE k.id = NEW.category_id;
    END IF;
    IF NEW.due_at IS NOT NULL AND NEW.yellow_at IS NULL AND NEW.dispatched_at IS NOT NULL THEN
        NEW.yellow_at := NEW.dispatched_at + (NEW.due_at - NEW.dispatched_at) * 0.75;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_incidents_chain BEFORE INSERT OR UPDATE OF cell_id, due_at ON incidents
    FOR EACH ROW EXECUTE FUNCTION onegrid_incident_chain();
-- Cases stored before (the demo's): the trigger fills their chain.
UPDATE incidents SET cell_id = cell_id, due_at = due_at
WHERE cell_id IS NOT NULL OR due_at IS NOT NULL;

-- The sweeper's question: open cases whose deadline passed (partial: closed cases drop out).
CREATE INDEX ix_incidents_due_open ON incidents (due_at)
    WHERE status IN ('registered', 'dispatched', 'handling', 'feedback', 'verified');
CREATE INDEX ix_incidents_category_reported ON incidents (category_id, reported_at);

-- Which transition a log row records (register, dispatch, escalate...) and the role used.
ALTER TABLE incident_transitions
    ADD COLUMN action text,
    ADD COLUMN role   text;

------------------------------------------------------------------ working-day calendar
-- Only the days that differ from "Monday-Friday work, weekends off": public holidays on
-- weekdays (workday = false) and make-up working days on weekends (调休上班, true).
-- Seeded from the chinese-calendar package by the migration; an administrator adds a
-- new year's days when the State Council publishes them.
CREATE TABLE calendar_days (
    day     date PRIMARY KEY,
    workday boolean NOT NULL,
    note    text
);

------------------------------------------------------------------ staff positions
-- The last known position of a member of staff (a phone's report): nearest-staff routing.
CREATE TABLE staff_positions (
    staff_id    bigint PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    geom        geometry(Point, 4326) NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_staff_positions_geom ON staff_positions USING gist (geom);

------------------------------------------------------------------ live feed
-- NOTIFY onegrid_incidents at the commit of every new or changed case, with what the
-- consoles' feed filters on (the caller's area) and what tells a console to re-read it;
-- a few hundred bytes, well under NOTIFY's 8000. Nothing is sent for a rollback.
CREATE FUNCTION onegrid_notify_incident() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('onegrid_incidents', json_build_object(
        'id', NEW.id, 'code', NEW.code, 'version', NEW.version, 'status', NEW.status,
        'level', NEW.level, 'light', NEW.light, 'cell_code', NEW.cell_code, 'village_code', NEW.village_code,
        'town_code', NEW.town_code, 'district_code', NEW.district_code,
        'op', lower(TG_OP))::text);
    RETURN NULL;
END $$;
CREATE TRIGGER tg_incidents_notify AFTER INSERT OR UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION onegrid_notify_incident();

------------------------------------------------------------------ photos
-- Photos uploaded with a case, stored as files beside the database (<state dir>/photos/
-- <incident id>/<sha256>.<ext>); a row says which case, what type, who. Visible exactly
-- when the case is (row-level security through incidents).
CREATE TABLE incident_photos (
    id          bigserial PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    sha256      char(64) NOT NULL,
    media_type  text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes       integer NOT NULL CHECK (bytes > 0),
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, sha256)
);
ALTER TABLE incident_photos ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_photos FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_photos_area ON incident_photos
    USING (incident_id IN (SELECT id FROM incidents))
    WITH CHECK (incident_id IN (SELECT id FROM incidents));
