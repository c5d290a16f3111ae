-- Serving party members and deputies registered in their home cell (在职党员、两代表一委员
-- 编入网格) and the households each looks after (联系户). The registration itself is the
-- member's staff_assignments row with a party role (party_member, deputy) in that cell;
-- this table holds the households, time-bounded like assignments, with the home cell's
-- stable code so that the area rule is the roster's (onegrid_scope_covers_code, inlined,
-- no sub-select per row) and the audit counts per cell by code.
CREATE TABLE party_households (
    id           bigserial PRIMARY KEY,
    staff_id     bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    cell_code    char(15) NOT NULL,
    household_id bigint NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    valid_from   date NOT NULL DEFAULT current_date,
    valid_to     date,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
-- One open link per member and household (an ended one may be followed by a new one).
CREATE UNIQUE INDEX ux_party_households_open ON party_households (staff_id, household_id)
    WHERE valid_to IS NULL;
-- The audit counts per cell (code); the staff detail lists a member's households.
CREATE INDEX ix_party_households_cell ON party_households (cell_code);
CREATE INDEX ix_party_households_staff ON party_households (staff_id);
CREATE INDEX ix_party_households_household ON party_households (household_id);

-- Row-level security as on staff_assignments: visible and writable when the caller's area
-- covers the home cell. (Grants: the default privileges of 0009_db_roles cover the new
-- table and its sequence.)
ALTER TABLE party_households ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_households FORCE ROW LEVEL SECURITY;
-- (SELECT onegrid_scope_all()) first: see staff_assignments below.
CREATE POLICY party_households_area ON party_households
    USING ((SELECT onegrid_scope_all()) OR onegrid_scope_covers_code(cell_code))
    WITH CHECK ((SELECT onegrid_scope_all()) OR onegrid_scope_covers_code(cell_code));

------------------------------------------------------------------ estimates under RLS
-- The assignments' policy (0020) as onegrid_scope_covers_code(cell_code) alone is inlined
-- to `coalesce(current_setting(...), '') = 'on' OR ...`, which the planner estimates as
-- an equality: 0.5 % of the rows (63 of 12,576 on the district demo, where the caller
-- sees them all). Every join over assignments then expected a handful of posts and chose
-- nested loops that compared every row with every row (18.7 million comparisons, 1.5 s
-- of the staffing audit). An InitPlan `(SELECT onegrid_scope_all())` is a parameter the
-- planner estimates at one half, and is evaluated once; the function stays inlined.
DROP POLICY staff_assignments_area ON staff_assignments;
CREATE POLICY staff_assignments_area ON staff_assignments
    USING ((SELECT onegrid_scope_all()) OR onegrid_scope_covers_code(cell_code))
    WITH CHECK ((SELECT onegrid_scope_all()) OR onegrid_scope_covers_code(cell_code));
