-- Undo 0006_placements: cells back on the buildings' and households' own rows.
DROP POLICY special_population_area ON special_population_records;
DROP POLICY persons_area ON persons;
DROP POLICY households_area ON households;

ALTER TABLE buildings ADD COLUMN cell_id bigint REFERENCES grid_cells (id);
CREATE INDEX ix_buildings_cell ON buildings (cell_id);
UPDATE buildings AS b SET cell_id = bc.cell_id FROM building_cells AS bc
WHERE bc.building_id = b.id;

ALTER TABLE households DROP CONSTRAINT households_building_placed;
UPDATE households AS h SET own_cell_id = bc.cell_id FROM building_cells AS bc
WHERE bc.building_id = h.building_id AND h.located_by = 'building' AND h.own_cell_id IS NULL;
DROP VIEW household_cells;
DROP TRIGGER buildings_unplace ON buildings;
DROP FUNCTION onegrid_building_unplace();
DROP TABLE building_cells;
ALTER TABLE buildings DROP COLUMN spot;
DROP INDEX ix_households_own_placed;
DROP INDEX ix_households_own_geom;
ALTER TABLE households RENAME COLUMN own_cell_id TO cell_id;
ALTER INDEX ix_households_own_cell RENAME TO ix_households_cell;
CREATE INDEX ix_households_unlocated ON households (id) WHERE cell_id IS NULL;

CREATE POLICY households_area ON households
    USING (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()))
    WITH CHECK (onegrid_scope_all() OR cell_id IN (SELECT onegrid_scope_cell_ids()));
CREATE POLICY persons_area ON persons
    USING (onegrid_scope_all() OR household_id IN (
        SELECT h.id FROM households AS h
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())))
    WITH CHECK (onegrid_scope_all() OR household_id IN (
        SELECT h.id FROM households AS h
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())));
CREATE POLICY special_population_area ON special_population_records
    USING (onegrid_scope_all() OR person_id IN (
        SELECT p.id FROM persons AS p JOIN households AS h ON h.id = p.household_id
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())))
    WITH CHECK (onegrid_scope_all() OR person_id IN (
        SELECT p.id FROM persons AS p JOIN households AS h ON h.id = p.household_id
        WHERE h.cell_id IN (SELECT onegrid_scope_cell_ids())));
