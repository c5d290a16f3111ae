-- Person-data policies that plan well for a caller with an area (issue 13).
--
-- Before (0012_speed): persons and special_population_records were visible through a
-- correlated EXISTS on the view household_cells (special records: on persons joined to
-- it). Each row checked paid a walk through both branches of the view, and the view's
-- building branch reads households under their own policy (two more correlated probes):
-- ~0.03 ms per person. PostgreSQL may run such an EXISTS as a hashed set instead, but
-- only when its statistics say the set is small, and the set of special records' persons
-- was itself built by checking every person of the area one by one through that chain: a
-- town manager's page of special-population records took ~1.1 s on the district demo,
-- a bare count of high-concern records ~78 s on the city.
-- After: the caller's households, and for special records the caller's persons, are a
-- set-returning function of the caller's cells (onegrid_scope_cell_id_array, resolved
-- once per transaction by gis/auth/rls.py). Inside, the functions read household_cells
-- by cell id (ix_household_own_cells_cell; ix_building_cells_cell then
-- ix_households_building) and persons by household (ix_persons_household): their cost is
-- the size of the caller's area, not of the tables.
-- The policies ask `EXISTS (SELECT 1 FROM (SELECT f() AS id) AS s WHERE s.id = key)`.
-- PostgreSQL plans such an EXISTS twice, as a probe per row and as a hashed set built
-- once per statement, costs the plan around it with the first, and picks the cheaper for
-- the number of rows it expects to check (never fewer than two): with the functions'
-- ROWS 1 and COST 1000 the hashed set always wins (building it once costs what one probe
-- would), so every row is checked by one hash probe. The per-row cost the planner sees
-- (about what the old EXISTS cost) keeps it on index paths elsewhere: with a cheap
-- filter (`key IN (SELECT f())`) it chose to read all of persons sequentially and hash
-- it in the rollup triggers' counts, 0.6 s per write on the district.
-- The SRF sits in a sub-select's target list so that it is never inlined: the estimate
-- is the functions' own, never the tables' statistics.
-- An unrestricted caller never builds the sets (the OR's first arm is true).
--
-- Writes keep the correlated EXISTS of before as WITH CHECK: a write checks the few rows
-- it writes, and a probe per written row is cheaper than building the area's set.
-- The sets run as the caller (plain SQL functions, not SECURITY DEFINER): households,
-- household_own_cells and persons are read under their own policies, so exactly the
-- rows of before are visible.

-- The households placed (on their own or by their building) in the caller's cells.
CREATE FUNCTION onegrid_scope_household_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 1 COST 1000 AS $$
    SELECT hc.household_id
    FROM household_cells AS hc
    WHERE hc.cell_id = ANY (onegrid_scope_cell_id_array())
$$;

-- The persons of those households. persons' own policy applies (the household set, built
-- once). The LATERAL (OFFSET 0 keeps it from being flattened) probes ix_persons_household
-- once per household whatever the estimates: a plain join may hash all of persons after a
-- sequential scan (it did with a cheaper-looking policy on persons).
CREATE FUNCTION onegrid_scope_person_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 1 COST 1000 AS $$
    SELECT p.id
    FROM household_cells AS hc
    CROSS JOIN LATERAL (SELECT p.id FROM persons AS p
                        WHERE p.household_id = hc.household_id OFFSET 0) AS p
    WHERE hc.cell_id = ANY (onegrid_scope_cell_id_array())
$$;

DROP POLICY persons_area ON persons;
CREATE POLICY persons_area ON persons
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM (SELECT onegrid_scope_household_ids() AS id) AS s
        WHERE s.id = persons.household_id))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = persons.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

DROP POLICY special_population_area ON special_population_records;
CREATE POLICY special_population_area ON special_population_records
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM (SELECT onegrid_scope_person_ids() AS id) AS s
        WHERE s.id = special_population_records.person_id))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM persons AS p
        JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id = special_population_records.person_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));
