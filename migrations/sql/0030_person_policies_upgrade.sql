-- Person-data policies that plan well for a caller with an area (issue 13).
--
-- Before (0012_speed): persons and special_population_records were visible through a
-- correlated EXISTS on the view household_cells (special records: on persons joined to
-- it). Each row checked paid a walk through both branches of the view, and the view's
-- building branch reads households under their own policy (two more correlated probes):
-- ~0.03 ms per person. PostgreSQL may turn such an EXISTS into a hashed set, but only
-- when its statistics say the set is small, and the set of special records' persons was
-- itself built by checking every person of the area one by one through that chain: a
-- town manager's bare count of high-concern records took ~0.4 s on the district demo
-- (37 rows), ~78 s on the city.
-- After: the caller's households, and for special records the caller's persons, are a
-- set-returning function of the caller's cells (onegrid_scope_cell_id_array, resolved
-- once per transaction by gis/auth/rls.py), used as `key IN (SELECT f())`. The sub-select
-- is not correlated, so it runs once per statement; its estimate is the functions' fixed
-- ROWS (a SRF in a target list is never inlined), never the tables' statistics, so the
-- planner always hashes it: one hash probe per row checked, whatever the plan around it.
-- Inside, the functions read household_cells by cell id (ix_household_own_cells_cell,
-- ix_building_cells_cell then ix_households_building) and persons by household
-- (ix_persons_household): the cost is the size of the caller's area, not of the tables.
-- An unrestricted caller never builds the sets (the OR's first arm is true).
--
-- Writes keep the correlated EXISTS as WITH CHECK: a write checks the few rows it writes,
-- and a probe per written row is cheaper than building the area's set per statement.
-- The sets run as the caller (plain SQL functions, not SECURITY DEFINER): households,
-- household_own_cells and persons are read under their own policies, so exactly the
-- rows of before are visible.

-- The households placed (on their own or by their building) in the caller's cells.
CREATE FUNCTION onegrid_scope_household_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 1000 AS $$
    SELECT hc.household_id
    FROM household_cells AS hc
    WHERE hc.cell_id = ANY (onegrid_scope_cell_id_array())
$$;

-- The persons of those households. persons' own policy applies (the household set, built
-- once), and its estimate (half the table passes, for any sub-select in a filter) would
-- make a plain join hash all of persons after a sequential scan: the LATERAL (OFFSET 0
-- keeps it from being flattened) probes ix_persons_household once per household instead.
CREATE FUNCTION onegrid_scope_person_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 1000 AS $$
    SELECT p.id
    FROM household_cells AS hc
    CROSS JOIN LATERAL (SELECT p.id FROM persons AS p
                        WHERE p.household_id = hc.household_id OFFSET 0) AS p
    WHERE hc.cell_id = ANY (onegrid_scope_cell_id_array())
$$;

DROP POLICY persons_area ON persons;
CREATE POLICY persons_area ON persons
    USING ((SELECT onegrid_scope_all())
           OR household_id IN (SELECT onegrid_scope_household_ids()))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = persons.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

DROP POLICY special_population_area ON special_population_records;
CREATE POLICY special_population_area ON special_population_records
    USING ((SELECT onegrid_scope_all())
           OR person_id IN (SELECT onegrid_scope_person_ids()))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM persons AS p
        JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id = special_population_records.person_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));
