-- Drop the baseline in reverse dependency order; PostGIS itself stays installed.
DROP TABLE IF EXISTS access_log, api_keys, area_scopes, user_roles, roles, cameras, fences,
    incident_transitions, incidents, incident_categories, special_population_records,
    special_population_categories, persons, household_moves, households, buildings,
    staff_assignments, staff, users, staff_roles, grid_cell_pieces, grid_cells,
    grid_generations, regions CASCADE;
DROP FUNCTION IF EXISTS onegrid_subdivide_cell();
DROP FUNCTION IF EXISTS onegrid_refuse_change();
DROP FUNCTION IF EXISTS onegrid_area_m2(geometry);
