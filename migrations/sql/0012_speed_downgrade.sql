-- Back to 0006's policies (per-row subqueries) and rollups refreshed by the services only.
DROP TRIGGER special_rollup_delete ON special_population_records;
DROP TRIGGER special_rollup_update ON special_population_records;
DROP TRIGGER special_rollup_insert ON special_population_records;
DROP TRIGGER persons_rollup_delete ON persons;
DROP TRIGGER persons_rollup_update ON persons;
DROP TRIGGER persons_rollup_insert ON persons;
DROP TRIGGER building_cells_rollup_delete ON building_cells;
DROP TRIGGER building_cells_rollup_update ON building_cells;
DROP TRIGGER building_cells_rollup_insert ON building_cells;
DROP TRIGGER households_rollup_delete ON households;
DROP TRIGGER households_rollup_update ON households;
DROP TRIGGER households_rollup_insert ON households;
DROP FUNCTION onegrid_rollup_special();
DROP FUNCTION onegrid_rollup_persons();
DROP FUNCTION onegrid_rollup_building_cells();
DROP FUNCTION onegrid_rollup_households();
DROP FUNCTION onegrid_rollup_refresh(bigint[]);
DROP FUNCTION onegrid_rollup_count(bigint[]);
DROP FUNCTION onegrid_rollup_lock(bigint[]);

DROP POLICY cell_rollups_area ON cell_rollups;
ALTER TABLE cell_rollups NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cell_rollups DISABLE ROW LEVEL SECURITY;

DROP POLICY incidents_area ON incidents;
CREATE POLICY incidents_area ON incidents
    USING (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()))
    WITH CHECK (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()));

DROP POLICY households_area ON households;
CREATE POLICY households_area ON households
    USING (onegrid_scope_all()
           OR own_cell_id IN (SELECT onegrid_scope_cell_ids())
           OR (located_by = 'building' AND own_cell_id IS NULL AND building_id IN (
                   SELECT bc.building_id FROM building_cells AS bc
                   WHERE bc.cell_id IN (SELECT onegrid_scope_cell_ids()))))
    WITH CHECK (onegrid_scope_all()
           OR own_cell_id IN (SELECT onegrid_scope_cell_ids())
           OR (located_by = 'building' AND own_cell_id IS NULL AND building_id IN (
                   SELECT bc.building_id FROM building_cells AS bc
                   WHERE bc.cell_id IN (SELECT onegrid_scope_cell_ids()))));

DROP POLICY persons_area ON persons;
CREATE POLICY persons_area ON persons
    USING (onegrid_scope_all() OR household_id IN (
        SELECT hc.household_id FROM household_cells AS hc
        WHERE hc.cell_id IN (SELECT onegrid_scope_cell_ids())))
    WITH CHECK (onegrid_scope_all() OR household_id IN (
        SELECT hc.household_id FROM household_cells AS hc
        WHERE hc.cell_id IN (SELECT onegrid_scope_cell_ids())));

DROP POLICY special_population_area ON special_population_records;
CREATE POLICY special_population_area ON special_population_records
    USING (onegrid_scope_all() OR person_id IN (
        SELECT p.id FROM persons AS p JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE hc.cell_id IN (SELECT onegrid_scope_cell_ids())))
    WITH CHECK (onegrid_scope_all() OR person_id IN (
        SELECT p.id FROM persons AS p JOIN household_cells AS hc ON hc.household_id = p.household_id
        WHERE hc.cell_id IN (SELECT onegrid_scope_cell_ids())));

DROP FUNCTION onegrid_scope_resolve();
DROP FUNCTION onegrid_scope_cell_id_array();
