UPDATE roles SET permissions = array_remove(array_remove(permissions, 'staff:reveal'),
                                             'audit:read')
    WHERE code IN ('manager', 'auditor');
UPDATE roles SET permissions = array_remove(permissions, 'staff:read') WHERE code = 'auditor';
DROP POLICY staff_area_read ON staff;
DROP POLICY staff_area_insert ON staff;
DROP POLICY staff_area_update ON staff;
DROP POLICY staff_area_delete ON staff;
ALTER TABLE staff NO FORCE ROW LEVEL SECURITY;
ALTER TABLE staff DISABLE ROW LEVEL SECURITY;
DROP POLICY staff_assignments_area ON staff_assignments;
ALTER TABLE staff_assignments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE staff_assignments DISABLE ROW LEVEL SECURITY;
DROP FUNCTION onegrid_scope_covers_code(text);
DROP INDEX ix_staff_assignments_staff;
ALTER TABLE staff_assignments DROP COLUMN duty;
ALTER TABLE staff DROP COLUMN updated_at;
ALTER TABLE staff DROP COLUMN staff_no;
