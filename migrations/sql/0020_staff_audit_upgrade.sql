-- The staff roster: a staff number to match imports on, a duty schedule per assignment,
-- and row-level security on staff (names and phones are personal data) and assignments.

-- 工号: the number a district gives its staff; imports match on it (NULL = none given).
ALTER TABLE staff ADD COLUMN staff_no text UNIQUE
    CHECK (staff_no IS NULL OR length(staff_no) BETWEEN 1 AND 40);
ALTER TABLE staff ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- A duty schedule as the district writes it (e.g. 周一至周五 8:30-17:30, 周末轮值).
ALTER TABLE staff_assignments ADD COLUMN duty text
    CHECK (duty IS NULL OR length(duty) <= 200);
-- The audit reads assignments of a staff member (towns per worker) and of a period.
CREATE INDEX ix_staff_assignments_staff ON staff_assignments (staff_id);

------------------------------------------------------------------ row-level security
-- True when the caller's area covers this cell code: the rule of gis/auth/scope.py (region
-- prefixes or exact cell codes), on the code itself because assignments name cells by code
-- (a cell keeps its code, and its team, across generations). Region prefixes are 6, 9 or
-- 12 digits (district, town, village; gis.auth.scope.region_prefix), so the prefix test is
-- three equalities, not a sub-select: a SQL function without sub-selects is inlined into
-- the policy; with one (EXISTS over unnest) it was called per row, ~90 ms of the audit's
-- monthly trend on the district demo.
CREATE FUNCTION onegrid_scope_covers_code(cell_code text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT onegrid_scope_all()
        OR cell_code = ANY (coalesce(nullif(current_setting('onegrid.scope_cells', true), ''),
                                     '{}')::text[])
        OR left(cell_code, 6) = ANY (coalesce(nullif(current_setting('onegrid.scope_prefixes',
                                                                    true), ''), '{}')::text[])
        OR left(cell_code, 9) = ANY (coalesce(nullif(current_setting('onegrid.scope_prefixes',
                                                                    true), ''), '{}')::text[])
        OR left(cell_code, 12) = ANY (coalesce(nullif(current_setting('onegrid.scope_prefixes',
                                                                     true), ''), '{}')::text[])
$$;

ALTER TABLE staff_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_assignments_area ON staff_assignments
    USING (onegrid_scope_covers_code(cell_code))
    WITH CHECK (onegrid_scope_covers_code(cell_code));

-- A staff member is visible to a caller whose area holds one of their assignments (past or
-- present: a manager still sees who used to work in their cells). A new staff member has
-- no assignment yet: the insert itself is allowed (the service adds the assignment in the
-- same transaction and refuses one outside the caller's area), and the service inserts
-- without RETURNING, which the SELECT policy would refuse.
ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_area_read ON staff FOR SELECT
    USING (onegrid_scope_all() OR id IN (SELECT a.staff_id FROM staff_assignments AS a));
CREATE POLICY staff_area_insert ON staff FOR INSERT WITH CHECK (true);
CREATE POLICY staff_area_update ON staff FOR UPDATE
    USING (onegrid_scope_all() OR id IN (SELECT a.staff_id FROM staff_assignments AS a))
    WITH CHECK (true);
CREATE POLICY staff_area_delete ON staff FOR DELETE
    USING (onegrid_scope_all());

------------------------------------------------------------------ permissions
-- gis/reference.py ROLES: managers may reveal staff phones and read the staffing audit,
-- auditors read staff and the audit. A database seeded before (0002 reads ROLES as it is
-- when it runs) gets them here; array_append only where missing.
UPDATE roles SET permissions = array_append(permissions, 'staff:reveal')
    WHERE code = 'manager' AND NOT 'staff:reveal' = ANY (permissions);
UPDATE roles SET permissions = array_append(permissions, 'audit:read')
    WHERE code IN ('manager', 'auditor') AND NOT 'audit:read' = ANY (permissions);
UPDATE roles SET permissions = array_append(permissions, 'staff:read')
    WHERE code = 'auditor' AND NOT 'staff:read' = ANY (permissions);
