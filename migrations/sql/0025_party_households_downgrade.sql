DROP POLICY staff_assignments_area ON staff_assignments;
CREATE POLICY staff_assignments_area ON staff_assignments
    USING (onegrid_scope_covers_code(cell_code))
    WITH CHECK (onegrid_scope_covers_code(cell_code));
DROP POLICY party_households_area ON party_households;
DROP TABLE party_households;
