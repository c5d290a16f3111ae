-- Row-level security (FORCEd on households) would hide rows from an owner without
-- BYPASSRLS: this transaction moves every row.
SELECT set_config('onegrid.scope_all', 'on', true);

-- Own placements in a narrow table, like buildings' (0006_placements).
--
-- Before: households placed on their own (located_by 'coordinates' or 'manual') had their
-- cell in households.own_cell_id, a column of the wide row: placing a million of them
-- rewrote a million rows through eight indexes (two GiST) and a foreign-key check, ~34 s
-- on the city demo against 3.7 s for the join itself (issue 13).
-- After: household_own_cells(household_id, cell_id), one narrow row per household placed
-- on its own, written only when the placement changes (gis/sql/assign_households.sql).
-- No foreign keys, on purpose, as building_cells: the rows are written by the assignment
-- statements, which take cell ids from grid_cells in the same statement, and a statement
-- trigger removes the placements of deleted households.
--
-- The rule "a household located by its building has no cell of its own" (before: the
-- CHECK households_building_placed) is kept by two statement triggers, one on each side.
-- Row-level security: household_own_cells carries the area policy of cell_rollups, so a
-- caller with an area can place a household only in it; a household is in an area when
-- its own placement is, or its building's (see households_area below).

CREATE TABLE household_own_cells (
    household_id bigint PRIMARY KEY,
    cell_id      bigint NOT NULL
);
INSERT INTO household_own_cells (household_id, cell_id)
SELECT id, own_cell_id FROM households WHERE own_cell_id IS NOT NULL ORDER BY id;
CREATE INDEX ix_household_own_cells_cell ON household_own_cells (cell_id);

------------------------------------------------------------------ clean-up and the rule
CREATE FUNCTION onegrid_household_unplace() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM household_own_cells AS oc USING gone AS g WHERE oc.household_id = g.id;
    RETURN NULL;
END $$;
CREATE TRIGGER households_unplace AFTER DELETE ON households
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_household_unplace();

-- Raised as a check violation named like the CHECK it replaces, so callers that mapped
-- the constraint keep working.
CREATE FUNCTION onegrid_own_cell_refused(household_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'household % is located by its building: it cannot have a cell of its own',
        household_id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'households_building_placed';
END $$;

-- New placements: none may belong to a household located by its building. Driven from
-- the new rows (one primary-key probe of households each); a bulk assignment only ever
-- writes households placed on their own.
-- Except the one household named in the transaction setting onegrid.placing: the
-- service places it by hand, and writes its located_by in the next statement (under
-- row-level security it must be placed in the caller's area before its row is written);
-- the households trigger below checks that write.
CREATE FUNCTION onegrid_own_cells_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    refused bigint;
BEGIN
    SELECT n.household_id INTO refused
    FROM new_rows AS n JOIN households AS h ON h.id = n.household_id
    WHERE h.located_by = 'building' AND h.building_id IS NOT NULL
      AND n.household_id IS DISTINCT FROM
          nullif(current_setting('onegrid.placing', true), '')::bigint
    LIMIT 1;
    IF refused IS NOT NULL THEN
        PERFORM onegrid_own_cell_refused(refused);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER household_own_cells_rule_insert AFTER INSERT ON household_own_cells
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_own_cells_rule();
CREATE TRIGGER household_own_cells_rule_update AFTER UPDATE ON household_own_cells
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_own_cells_rule();

-- Households written as located by their building: none may keep a cell of its own
-- (remove it first, as gis/people/households.py does).
CREATE FUNCTION onegrid_households_own_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    refused bigint;
BEGIN
    SELECT n.id INTO refused
    FROM new_rows AS n JOIN household_own_cells AS oc ON oc.household_id = n.id
    WHERE n.located_by = 'building' AND n.building_id IS NOT NULL
    LIMIT 1;
    IF refused IS NOT NULL THEN
        PERFORM onegrid_own_cell_refused(refused);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER households_own_rule_insert AFTER INSERT ON households
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_households_own_rule();
CREATE TRIGGER households_own_rule_update AFTER UPDATE ON households
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_households_own_rule();

------------------------------------------------------------------ the view
-- Every placed household and its cell. The first branch is the narrow table alone (a
-- filter on cell_id: ix_household_own_cells_cell; on household_id: its primary key); the
-- second as before. The rule above keeps the branches apart.
CREATE OR REPLACE VIEW household_cells AS
SELECT oc.household_id, oc.cell_id
FROM household_own_cells AS oc
UNION ALL
SELECT h.id AS household_id, bc.cell_id
FROM building_cells AS bc
JOIN households AS h ON h.building_id = bc.building_id
WHERE h.located_by = 'building';
ALTER VIEW household_cells SET (security_invoker = true);

------------------------------------------------------------------ row-level security
ALTER TABLE household_own_cells ENABLE ROW LEVEL SECURITY;
ALTER TABLE household_own_cells FORCE ROW LEVEL SECURITY;
CREATE POLICY household_own_cells_area ON household_own_cells
    USING ((SELECT onegrid_scope_all())
           OR cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))
    WITH CHECK ((SELECT onegrid_scope_all())
           OR cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]));

-- A household is in an area when its own placement is, or (located by its building) its
-- building's: a correlated EXISTS on each table's key, as 0012_speed's building branch.
-- The same rule for reading and writing. A restricted caller therefore places a new
-- household first (household_own_cells, whose policy refuses a cell outside the area)
-- and then writes it; one located by its building is placed by hand by writing its own
-- placement first (onegrid.placing, above), then located_by.
DROP POLICY households_area ON households;
CREATE POLICY households_area ON households
    USING ((SELECT onegrid_scope_all())
           OR EXISTS (
                   SELECT 1 FROM household_own_cells AS oc
                   WHERE oc.household_id = households.id
                     AND oc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))
           OR (located_by = 'building' AND EXISTS (
                   SELECT 1 FROM building_cells AS bc
                   WHERE bc.building_id = households.building_id
                     AND bc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))))
    WITH CHECK ((SELECT onegrid_scope_all())
           OR EXISTS (
                   SELECT 1 FROM household_own_cells AS oc
                   WHERE oc.household_id = households.id
                     AND oc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))
           OR (located_by = 'building' AND EXISTS (
                   SELECT 1 FROM building_cells AS bc
                   WHERE bc.building_id = households.building_id
                     AND bc.cell_id = ANY ((SELECT onegrid_scope_cell_id_array())::bigint[]))));

------------------------------------------------------------------ rollups
-- Households: rows added or removed count in their own cell or their building's; an
-- update of the counted columns (building, located_by, members) in both of its
-- building's cells and its own. Own placements themselves are counted by the trigger on
-- household_own_cells below (an assignment never touches households for them).
CREATE OR REPLACE FUNCTION onegrid_rollup_households() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM new_rows AS n
            JOIN household_own_cells AS oc ON oc.household_id = n.id
            UNION ALL
            SELECT bc.cell_id FROM new_rows AS n
            JOIN building_cells AS bc ON bc.building_id = n.building_id
            WHERE n.located_by = 'building') AS cells;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM old_rows AS o
            JOIN household_own_cells AS oc ON oc.household_id = o.id
            UNION ALL
            SELECT bc.cell_id FROM old_rows AS o
            JOIN building_cells AS bc ON bc.building_id = o.building_id
            WHERE o.located_by = 'building') AS cells;
    ELSE
        WITH changed AS MATERIALIZED (
            SELECT n.id, o.building_id AS old_building, o.located_by AS old_by,
                   n.building_id AS new_building, n.located_by AS new_by
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE (o.building_id, o.located_by, o.members)
                  IS DISTINCT FROM (n.building_id, n.located_by, n.members)
        )
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT oc.cell_id FROM changed AS c
            JOIN household_own_cells AS oc ON oc.household_id = c.id
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.old_building
            WHERE c.old_by = 'building'
            UNION ALL
            SELECT bc.cell_id FROM changed AS c
            JOIN building_cells AS bc ON bc.building_id = c.new_building
            WHERE c.new_by = 'building') AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;

-- Own placements: the cells a statement placed households in, or took them out of.
CREATE FUNCTION onegrid_rollup_own_cells() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.cell_id) INTO touched FROM new_rows AS n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.cell_id) INTO touched FROM old_rows AS o;
    ELSE
        SELECT array_agg(DISTINCT cell_id) INTO touched FROM (
            SELECT o.cell_id FROM old_rows AS o JOIN new_rows AS n
              ON n.household_id = o.household_id AND n.cell_id IS DISTINCT FROM o.cell_id
            UNION ALL
            SELECT n.cell_id FROM old_rows AS o JOIN new_rows AS n
              ON n.household_id = o.household_id AND n.cell_id IS DISTINCT FROM o.cell_id
        ) AS cells;
    END IF;
    IF touched IS NOT NULL THEN
        PERFORM onegrid_rollup_refresh(touched);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER household_own_cells_rollup_insert AFTER INSERT ON household_own_cells
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_own_cells();
CREATE TRIGGER household_own_cells_rollup_update AFTER UPDATE ON household_own_cells
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_own_cells();
CREATE TRIGGER household_own_cells_rollup_delete AFTER DELETE ON household_own_cells
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_rollup_own_cells();

------------------------------------------------------------------ the wide row's column
-- Households placed on their own are found by ix_households_own_placed/_own_geom (0006).
ALTER TABLE households DROP CONSTRAINT households_building_placed;
ALTER TABLE households DROP COLUMN own_cell_id;  -- its index and foreign key go with it
