-- onegrid baseline schema.
-- CRS: every geometry is stored in EPSG:4326 (CGCS2000 / EPSG:4490 data is within
-- centimetres of it and is stored as-is). Areas and lengths are computed in metres on
-- the spheroid by casting to geography (ST_Area(geom::geography)), so no projected
-- zone has to be chosen for a district that straddles two Gauss-Kruger zones.
-- Planar results (gaps, overlaps, slivers) are measured with onegrid_area_m2 (below).
-- Every geometry column has a GiST index; rules the database can enforce are constraints.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;  -- "same code" (=) inside a GiST exclusion

-- Append-only tables (transition log, access log) refuse UPDATE and DELETE.
CREATE FUNCTION onegrid_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- Area in m² of a geometry whose topology was computed in the lon/lat plane (overlaps,
-- gaps, differences): its planar area in square degrees times the metres per degree of
-- longitude and latitude at its centroid (WGS84 series). Why not ::geography or a UTM
-- transform: our edges are straight in lon/lat; on the spheroid or in UTM they bend, so
-- a sliver that is ~0 m² in the plane where it was computed (a vertex lying on its
-- neighbour's straight edge) measures tens of m² there when edges are kilometres long.
-- Accurate to well under 1 % for features up to tens of km across: fine for tolerances.
CREATE FUNCTION onegrid_area_m2(g geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN g IS NULL OR ST_IsEmpty(g) THEN 0.0 ELSE
        ST_Area(g)
        * (111412.84 * cos(radians(ST_Y(ST_Centroid(g))))
           - 93.5 * cos(3 * radians(ST_Y(ST_Centroid(g)))))
        * (111132.954 - 559.822 * cos(2 * radians(ST_Y(ST_Centroid(g))))
           + 1.175 * cos(4 * radians(ST_Y(ST_Centroid(g)))))
    END
$$;

------------------------------------------------------------------ regions
-- district -> town/street -> village/community, 12-digit statistical codes
-- (district = 6-digit GB/T 2260 code + '000000', town = 9 digits + '000').
CREATE TABLE regions (
    id          serial PRIMARY KEY,
    code        char(12) NOT NULL UNIQUE CHECK (code ~ '^[0-9]{12}$'),
    level       text NOT NULL CHECK (level IN ('district', 'town', 'village')),
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    parent_code char(12) REFERENCES regions (code) ON UPDATE CASCADE,
    urban       boolean,                    -- villages: community (社区) vs village (村)
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    CONSTRAINT ck_regions_hierarchy CHECK (
        (level = 'district' AND parent_code IS NULL AND right(code, 6) = '000000')
        OR (level = 'town' AND left(code, 6) = left(parent_code, 6)
            AND right(code, 3) = '000' AND right(code, 6) <> '000000')
        OR (level = 'village' AND left(code, 9) = left(parent_code, 9)
            AND right(code, 3) <> '000'))
);
CREATE INDEX ix_regions_geom ON regions USING gist (geom);
CREATE INDEX ix_regions_parent ON regions (parent_code);

------------------------------------------------------------------ generations and cells
-- MapIt-style generations: cells are valid over [generation_low, generation_high];
-- a NULL generation_high means "still valid in the newest generation".
CREATE TABLE grid_generations (
    id             serial PRIMARY KEY,
    name           text NOT NULL,
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'retired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text,
    activated_at   timestamptz,
    effective_from date,
    effective_to   date,
    note           text,
    CHECK (effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from)
);
-- At most one active generation.
CREATE UNIQUE INDEX uq_grid_generations_one_active ON grid_generations (status)
    WHERE status = 'active';

CREATE TABLE grid_cells (
    id               bigserial PRIMARY KEY,
    code             char(15) NOT NULL CHECK (code ~ '^[0-9]{15}$'),
    village_code     char(12) NOT NULL REFERENCES regions (code) ON UPDATE CASCADE,
    name             text,
    kind             text NOT NULL DEFAULT 'base' CHECK (kind IN ('base', 'dedicated')),
    dedicated_type   text,   -- school, hospital, industrial_park, market...
    generation_low   integer NOT NULL REFERENCES grid_generations (id),
    generation_high  integer REFERENCES grid_generations (id),
    geom             geometry(Polygon, 4326) NOT NULL
                     CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    -- metres on the spheroid (see the header comment)
    area_m2          double precision GENERATED ALWAYS AS (ST_Area(geom::geography)) STORED,
    CONSTRAINT ck_grid_cells_parent_prefix CHECK (left(code, 12) = village_code),
    CONSTRAINT ck_grid_cells_generation_range
        CHECK (generation_high IS NULL OR generation_high >= generation_low),
    CONSTRAINT ck_grid_cells_dedicated CHECK ((kind = 'dedicated') = (dedicated_type IS NOT NULL)),
    -- one cell per code in any generation
    CONSTRAINT ex_grid_cells_code_per_generation EXCLUDE USING gist (
        code WITH =,
        int4range(generation_low, coalesce(generation_high, 2147483646), '[]') WITH &&)
);
CREATE INDEX ix_grid_cells_geom ON grid_cells USING gist (geom);
CREATE INDEX ix_grid_cells_village ON grid_cells (village_code);
CREATE INDEX ix_grid_cells_generations ON grid_cells (generation_low, generation_high);

-- Subdivided copies of each cell for point lookups: small pieces make the GiST
-- bounding boxes tight and ST_Covers cheap. Kept in step by a trigger.
CREATE TABLE grid_cell_pieces (
    id       bigserial PRIMARY KEY,
    cell_id  bigint NOT NULL REFERENCES grid_cells (id) ON DELETE CASCADE,
    geom     geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX ix_grid_cell_pieces_geom ON grid_cell_pieces USING gist (geom);
CREATE INDEX ix_grid_cell_pieces_cell ON grid_cell_pieces (cell_id);

-- jit = off: the planner guesses 1,000,000 rows for ST_Dump(ST_Subdivide(..)) and would
-- JIT-compile every one-row insert (about 0.5 s per cell instead of under a millisecond).
CREATE FUNCTION onegrid_subdivide_cell() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.geom IS NOT DISTINCT FROM OLD.geom THEN
            RETURN NEW;
        END IF;
        DELETE FROM grid_cell_pieces WHERE cell_id = NEW.id;
    END IF;
    -- 64 vertices per piece: tight boxes, few pieces per cell.
    INSERT INTO grid_cell_pieces (cell_id, geom)
    SELECT NEW.id, (ST_Dump(ST_Subdivide(NEW.geom, 64))).geom;
    RETURN NEW;
END $$;
CREATE TRIGGER tg_grid_cells_subdivide AFTER INSERT OR UPDATE OF geom ON grid_cells
    FOR EACH ROW EXECUTE FUNCTION onegrid_subdivide_cell();

------------------------------------------------------------------ staff
CREATE TABLE staff_roles (
    code    text PRIMARY KEY,
    name_zh text NOT NULL,
    name_en text NOT NULL
);

CREATE TABLE users (
    id            serial PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    display_name  text,
    password_hash text,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    phone         text,
    party_member  boolean NOT NULL DEFAULT false,
    user_id       integer REFERENCES users (id),
    active        boolean NOT NULL DEFAULT true
);

-- Staff belong to cells by code: a cell keeps its code (and its team) across redraws.
CREATE TABLE staff_assignments (
    id         bigserial PRIMARY KEY,
    staff_id   bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    cell_code  char(15) NOT NULL CHECK (cell_code ~ '^[0-9]{15}$'),
    role_code  text NOT NULL REFERENCES staff_roles (code),
    valid_from date NOT NULL DEFAULT current_date,
    valid_to   date,
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CONSTRAINT ex_staff_assignments_overlap EXCLUDE USING gist (
        staff_id WITH =, cell_code WITH =, role_code WITH =,
        daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX ix_staff_assignments_cell ON staff_assignments (cell_code);

------------------------------------------------------------------ buildings, households, persons
CREATE TABLE buildings (
    id           bigserial PRIMARY KEY,
    code         text UNIQUE,
    address      text NOT NULL,
    name         text,
    floors       smallint CHECK (floors IS NULL OR floors BETWEEN 1 and 200),
    geom         geometry(Geometry, 4326) NOT NULL CHECK (
                     ST_IsValid(geom) AND GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')),
    cell_id      bigint REFERENCES grid_cells (id)
);
CREATE INDEX ix_buildings_geom ON buildings USING gist (geom);
CREATE INDEX ix_buildings_address ON buildings (address);
CREATE INDEX ix_buildings_cell ON buildings (cell_id);

CREATE TABLE households (
    id               bigserial PRIMARY KEY,
    external_id      text UNIQUE,
    building_id      bigint REFERENCES buildings (id),
    address          text,
    geom             geometry(Point, 4326),
    cell_id          bigint REFERENCES grid_cells (id),
    located_by       text CHECK (located_by IN ('building', 'coordinates', 'manual')),
    unlocated_reason text,
    members          smallint NOT NULL DEFAULT 0 CHECK (members >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_households_geom ON households USING gist (geom);
CREATE INDEX ix_households_cell ON households (cell_id);
CREATE INDEX ix_households_building ON households (building_id);

-- Every re-assignment is recorded: who moved from which cell to which, under which generation.
CREATE TABLE household_moves (
    id            bigserial PRIMARY KEY,
    household_id  bigint NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    from_cell_id  bigint REFERENCES grid_cells (id),
    to_cell_id    bigint REFERENCES grid_cells (id),
    generation_id integer REFERENCES grid_generations (id),
    moved_at      timestamptz NOT NULL DEFAULT now(),
    reason        text
);
CREATE INDEX ix_household_moves_household ON household_moves (household_id);
-- Deleting a draft's cells checks these references; without the indexes each deleted
-- cell would scan the whole (ever-growing) move log.
CREATE INDEX ix_household_moves_from_cell ON household_moves (from_cell_id);
CREATE INDEX ix_household_moves_to_cell ON household_moves (to_cell_id);

-- ID numbers: id_hash is a keyed HMAC-SHA256 (matching without clear text), id_masked
-- is what ordinary roles see, id_cipher is reversible only with the server key.
CREATE TABLE persons (
    id            bigserial PRIMARY KEY,
    household_id  bigint REFERENCES households (id) ON DELETE SET NULL,
    name          text NOT NULL,
    gender        char(1) CHECK (gender IN ('M', 'F')),
    birth_date    date,
    id_hash       bytea,
    id_masked     text CHECK (id_masked IS NULL OR id_masked ~ '^[0-9]{3}\*{11}[0-9]{3}[0-9X]$'),
    id_cipher     bytea,
    phone         text,
    residence     text CHECK (residence IN ('registered', 'floating')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_persons_household ON persons (household_id);
CREATE INDEX ix_persons_id_hash ON persons (id_hash);

-- GB/T 31000-2015 style categories and sub-categories, as a tree of codes.
CREATE TABLE special_population_categories (
    code        text PRIMARY KEY,
    parent_code text REFERENCES special_population_categories (code),
    name_zh     text NOT NULL,
    name_en     text NOT NULL
);

CREATE TABLE special_population_records (
    id                  bigserial PRIMARY KEY,
    person_id           bigint NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    category_code       text NOT NULL REFERENCES special_population_categories (code),
    concern_level       text NOT NULL CHECK (concern_level IN ('high', 'medium', 'low')),
    danger_level        smallint CHECK (danger_level BETWEEN 0 AND 5),
    helper_staff_id     bigint REFERENCES staff (id),
    visit_interval_days integer CHECK (visit_interval_days > 0),
    last_visited_on     date,
    start_date          date,
    end_date            date,
    note                text
);
CREATE INDEX ix_special_population_person ON special_population_records (person_id);
CREATE INDEX ix_special_population_category ON special_population_records (category_code);

------------------------------------------------------------------ incidents
CREATE TABLE incident_categories (
    id               serial PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    parent_id        integer REFERENCES incident_categories (id),
    name_zh          text NOT NULL,
    name_en          text NOT NULL,
    time_limit_hours numeric(8, 2) CHECK (time_limit_hours > 0)
);

CREATE TABLE incidents (
    id                bigserial PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    category_id       integer NOT NULL REFERENCES incident_categories (id),
    source            text NOT NULL CHECK (source IN
                          ('patrol', 'hotline', 'citizen', 'camera', 'sensor', 'other')),
    status            text NOT NULL CHECK (status IN ('reported', 'registered', 'dispatched',
                          'handling', 'feedback', 'verified', 'closed', 'cancelled')),
    triage            text CHECK (triage IN ('major', 'minor', 'private')),
    level             text NOT NULL DEFAULT 'village' CHECK (level IN ('village', 'town', 'district')),
    title             text NOT NULL,
    description       text,
    geom              geometry(Point, 4326),
    cell_id           bigint REFERENCES grid_cells (id),
    assigned_staff_id bigint REFERENCES staff (id),
    reported_at       timestamptz NOT NULL DEFAULT now(),
    dispatched_at     timestamptz,
    due_at            timestamptz,
    closed_at         timestamptz,
    external_ref      text,
    CHECK (due_at IS NULL OR dispatched_at IS NOT NULL),
    CHECK (closed_at IS NULL OR closed_at >= reported_at)
);
CREATE INDEX ix_incidents_geom ON incidents USING gist (geom);
CREATE INDEX ix_incidents_cell ON incidents (cell_id);
CREATE INDEX ix_incidents_status ON incidents (status);
CREATE INDEX ix_incidents_reported_at ON incidents (reported_at);

CREATE TABLE incident_transitions (
    id           bigserial PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    from_status  text,
    to_status    text NOT NULL,
    level        text NOT NULL CHECK (level IN ('village', 'town', 'district')),
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    note         text
);
CREATE INDEX ix_incident_transitions_incident ON incident_transitions (incident_id, at);
CREATE TRIGGER tg_incident_transitions_append_only BEFORE UPDATE OR DELETE
    ON incident_transitions FOR EACH ROW EXECUTE FUNCTION onegrid_refuse_change();

------------------------------------------------------------------ fences and cameras
CREATE TABLE fences (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('no_entry', 'stay_within')),
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    active      boolean NOT NULL DEFAULT true,
    note        text
);
CREATE INDEX ix_fences_geom ON fences USING gist (geom);

CREATE TABLE cameras (
    id            serial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    name          text,
    geom          geometry(Point, 4326) NOT NULL,
    direction_deg real CHECK (direction_deg >= 0 AND direction_deg < 360),
    fov_deg       real CHECK (fov_deg > 0 AND fov_deg <= 360),
    range_m       real CHECK (range_m > 0)
);
CREATE INDEX ix_cameras_geom ON cameras USING gist (geom);

------------------------------------------------------------------ access control
CREATE TABLE roles (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    permissions text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE user_roles (
    user_id   integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_code text NOT NULL REFERENCES roles (code),
    PRIMARY KEY (user_id, role_code)
);

-- A user's area: region subtrees (by code prefix) or single cells (by code).
CREATE TABLE area_scopes (
    id          serial PRIMARY KEY,
    user_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region_code char(12) REFERENCES regions (code),
    cell_code   char(15) CHECK (cell_code ~ '^[0-9]{15}$'),
    CHECK ((region_code IS NULL) <> (cell_code IS NULL))
);
CREATE INDEX ix_area_scopes_user ON area_scopes (user_id);

CREATE TABLE api_keys (
    id           serial PRIMARY KEY,
    name         text NOT NULL,
    user_id      integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_prefix   text NOT NULL,
    key_hash     text NOT NULL UNIQUE,
    scopes       text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE TABLE access_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    username     text NOT NULL,
    action       text NOT NULL,
    subject_type text NOT NULL,
    subject_ids  bigint[] NOT NULL DEFAULT '{}',
    reason       text,
    client       text,
    detail       jsonb
);
CREATE INDEX ix_access_log_at ON access_log (at);
CREATE INDEX ix_access_log_username ON access_log (username, at);
CREATE TRIGGER tg_access_log_append_only BEFORE UPDATE OR DELETE
    ON access_log FOR EACH ROW EXECUTE FUNCTION onegrid_refuse_change();
