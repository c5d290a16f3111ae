-- Back to 0012_speed's person-data policies (a correlated EXISTS per row).
DROP POLICY persons_area ON persons;
CREATE POLICY persons_area ON persons
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = persons.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM household_cells AS hc
        WHERE hc.household_id = persons.household_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

DROP POLICY special_population_area ON special_population_records;
CREATE POLICY special_population_area ON special_population_records
    USING ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM persons AS p
        JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id = special_population_records.person_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])))
    WITH CHECK ((SELECT onegrid_scope_all()) OR EXISTS (
        SELECT 1 FROM persons AS p
        JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE p.id = special_population_records.person_id
          AND hc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])));

DROP FUNCTION onegrid_scope_person_ids();
DROP FUNCTION onegrid_scope_household_ids();
