-- Undo 0003_people.
DROP INDEX IF EXISTS ix_special_population_concern;
DROP INDEX IF EXISTS ix_household_moves_generation;
DROP INDEX IF EXISTS ix_households_address;
DROP INDEX IF EXISTS ix_households_unlocated;
DROP TABLE IF EXISTS cell_rollups;
