-- Row-level security (FORCEd on households) would hide rows from an owner without
-- BYPASSRLS: this transaction moves every row.
SELECT set_config('onegrid.scope_all', 'on', true);

-- Back to households.own_cell_id (0012_speed's policies, view and triggers).
ALTER TABLE households ADD COLUMN own_cell_id bigint REFERENCES grid_cells (id);
ALTER TABLE household_own_cells NO FORCE ROW LEVEL SECURITY;
ALTER TABLE household_own_cells DISABLE ROW LEVEL SECURITY;
-- Quiet: the rollups already count these placements.
ALTER TABLE households DISABLE TRIGGER USER;
UPDATE households AS h SET own_cell_id = oc.cell_id
FROM household_own_cells AS oc WHERE oc.household_id = h.id;
ALTER TABLE households ENABLE TRIGGER USER;
CREATE INDEX ix_households_own_cell ON households (own_cell_id);
ALTER TABLE households ADD CONSTRAINT households_building_placed CHECK (
    NOT (located_by = 'building' AND building_id IS NOT NULL AND own_cell_id IS NOT NULL));

DROP POLICY households_area ON households;
CREATE POLICY households_area ON households
    USING ((SELECT onegrid_scope_all())
           OR own_cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])
           OR (located_by = 'building' AND own_cell_id IS NULL AND EXISTS (
                   SELECT 1 FROM building_cells AS bc
                   WHERE bc.building_id = households.building_id
                     AND bc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))))
    WITH CHECK ((SELECT onegrid_scope_all())
           OR own_cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[])
           OR (located_by = 'building' AND own_cell_id IS NULL AND EXISTS (
                   SELECT 1 FROM building_cells AS bc
                   WHERE bc.building_id = households.building_id
                     AND bc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))));

CREATE OR REPLACE VIEW household_cells AS
SELECT h.id AS household_id, h.own_cell_id AS cell_id
FROM households AS h
WHERE h.own_cell_id IS NOT NULL
UNION ALL
SELECT h.id AS household_id, bc.cell_id
FROM building_cells AS bc
JOIN households AS h ON h.building_id = bc.building_id
WHERE h.located_by = 'building' AND h.own_cell_id IS NULL;
ALTER VIEW household_cells SET (security_invoker = true);

CREATE OR REPLACE FUNCTION onegrid_rollup_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT n.own_cell_id AS cell_id FROM new_rows AS n WHERE n.own_cell_id IS NOT NULL
            UNION ALL
            SELECT bc.cell_id FROM new_rows AS n
            JOIN building_cells AS bc ON bc.building_id = n.building_id
            WHERE n.located_by = 'building' AND n.own_cell_id IS NULL) AS cells;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT o.own_cell_id AS cell_id FROM old_rows AS o WHERE o.own_cell_id IS NOT NULL
            UNION ALL
            SELECT bc.cell_id FROM old_rows AS o
            JOIN building_cells AS bc ON bc.building_id = o.building_id
            WHERE o.located_by = 'building' AND o.own_cell_id IS NULL) AS cells;
    ELSE
        WITH changed AS MATERIALIZED (
            SELECT o.own_cell_id AS old_own, o.building_id AS old_building,
                   o.located_by AS old_by, n.own_cell_id AS new_own,
                   n.building_id AS new_building, n.located_by AS new_by
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE (o.own_cell_id, o.building_id, o.located_by, o.members)
                  IS DISTINCT FROM (n.own_cell_id, n.building_id, n.located_by, n.members)
        )
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT old_own AS cell_id FROM changed WHERE old_own IS NOT NULL
            UNION ALL
            SELECT new_own FROM changed WHERE new_own IS NOT NULL
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.old_building
            WHERE c.old_by = 'building' AND c.old_own IS NULL
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.new_building
            WHERE c.new_by = 'building' AND c.new_own IS NULL) AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER households_own_rule_update ON households;
DROP TRIGGER households_own_rule_insert ON households;
DROP TRIGGER households_unplace ON households;
DROP TABLE household_own_cells;  -- its triggers and policy go with it
DROP FUNCTION onegrid_rollup_own_cells();
DROP FUNCTION onegrid_households_own_rule();
DROP FUNCTION onegrid_own_cells_rule();
DROP FUNCTION onegrid_own_cell_refused(bigint);
DROP FUNCTION onegrid_household_unplace();
