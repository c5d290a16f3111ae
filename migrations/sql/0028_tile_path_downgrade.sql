DROP INDEX ix_households_building;
CREATE INDEX ix_households_building ON households (building_id);
DROP INDEX ix_household_own_cells_cell;
CREATE INDEX ix_household_own_cells_cell ON household_own_cells (cell_id);
DROP FUNCTION onegrid_scoped_cell_households(text, text, text, bigint[]);
