-- Where households and buildings are placed, in narrow tables a bulk assignment can
-- rewrite quickly.
--
-- Before: buildings.cell_id and households.cell_id, one column on wide rows with five and
-- seven indexes (GiST included) and a foreign key each. Placing a million households
-- rewrote a million wide rows and re-entered each in every index: ~45 s of a ~49 s bulk
-- assignment on the city demo (bench/assign.py), against a 3.6 s join.
--
-- After:
--   building_cells(building_id, cell_id): one narrow row per placed building.
--   households.own_cell_id: set only for households placed on their own, i.e. by their
--     coordinates (located_by = 'coordinates') or by hand ('manual').
--   A household located by its building (located_by = 'building') is in its building's
--     cell: households of one building can no longer land in two cells, and a bulk
--     assignment writes one row per building, not one per household.
--   household_cells (a view): the cell of every placed household, either way.
--
-- building_cells has no foreign keys on purpose: a per-row RI check cost ~9 us, i.e.
-- 1.3 s of a 150,000-building assignment. Its rows are written only by the assignment
-- statements (gis/sql/assign_buildings.sql), which take cell ids from grid_cells in the
-- same statement; buildings are never deleted by the service (households reference them),
-- and a trigger removes the placement should one be deleted by hand.

-- The point that places a building (its ST_PointOnSurface: a footprint straddling an edge
-- still lands in one cell), stored with its own GiST index so that the assignment's join
-- tests each building once per piece whose box holds that point, with no per-row
-- ST_PointOnSurface: 0.86 -> ~0.55 s for the city demo's 150,000 buildings.
ALTER TABLE buildings ADD COLUMN spot geometry(Point, 4326)
    GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;
CREATE INDEX ix_buildings_spot ON buildings USING gist (spot);

CREATE TABLE building_cells (
    building_id bigint PRIMARY KEY,
    cell_id     bigint NOT NULL
);
CREATE INDEX ix_building_cells_cell ON building_cells (cell_id);
INSERT INTO building_cells (building_id, cell_id)
SELECT id, cell_id FROM buildings WHERE cell_id IS NOT NULL ORDER BY id;

CREATE FUNCTION onegrid_building_unplace() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM building_cells AS bc USING gone AS g WHERE bc.building_id = g.id;
    RETURN NULL;
END $$;
CREATE TRIGGER buildings_unplace AFTER DELETE ON buildings
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION onegrid_building_unplace();

ALTER TABLE buildings DROP COLUMN cell_id;  -- drops ix_buildings_cell and its FK

-- Households: the column keeps its index and foreign key (few rows are placed this way
-- in a district whose households have buildings; all of them in one whose do not).
ALTER TABLE households RENAME COLUMN cell_id TO own_cell_id;
ALTER INDEX ix_households_cell RENAME TO ix_households_own_cell;
UPDATE households SET own_cell_id = NULL
WHERE located_by = 'building' AND building_id IS NOT NULL AND own_cell_id IS NOT NULL;
ALTER TABLE households ADD CONSTRAINT households_building_placed CHECK (
    NOT (located_by = 'building' AND building_id IS NOT NULL AND own_cell_id IS NOT NULL));
-- Households placed on their own: the bulk assignment and the unlocated queue find them
-- through these (without them, a city whose households all have buildings would still
-- scan, or probe the GiST index of, every household). The predicate is spelled exactly
-- as in gis/sql/assign_households.sql so that the planner can use them.
DROP INDEX ix_households_unlocated;
CREATE INDEX ix_households_own_placed ON households (id)
    WHERE located_by IS DISTINCT FROM 'building' OR building_id IS NULL;
CREATE INDEX ix_households_own_geom ON households USING gist (geom)
    WHERE located_by IS DISTINCT FROM 'building' OR building_id IS NULL;

-- Every placed household and its cell. Two branches, so that a filter on cell_id uses
-- ix_households_own_cell in one and ix_building_cells_cell + ix_households_building in
-- the other, and a filter on household_id the primary keys; the planner pushes both
-- filters and join conditions into each branch (a UNION ALL view is flattened).
CREATE VIEW household_cells AS
SELECT h.id AS household_id, h.own_cell_id AS cell_id
FROM households AS h
WHERE h.own_cell_id IS NOT NULL
UNION ALL
SELECT h.id AS household_id, bc.cell_id
FROM building_cells AS bc
JOIN households AS h ON h.building_id = bc.building_id
WHERE h.located_by = 'building' AND h.own_cell_id IS NULL;

-- The view reads households; with security_invoker (PostgreSQL 15+) the caller's
-- row-level security applies inside it, as it would to the table. Older servers run it
-- as its owner; every query of the service joins households itself as well.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 150000 THEN
        EXECUTE 'ALTER VIEW household_cells SET (security_invoker = true)';
    END IF;
END $$;
-- The service's privileges come from the default privileges of 0003_rls.

-- Row-level security: the same areas, through the new placement.
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
