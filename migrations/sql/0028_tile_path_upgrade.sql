-- Vector tiles in one round trip (issue 13).
--
-- Before: a tile request took 4-5 round trips on a SQLAlchemy session: the pool's ping,
-- the area (set_config + onegrid_scope_resolve()), the generation, the tile, the commit.
-- After: api/tile_lane.py sends ONE statement (gis/sql/tiles_cells.sql,
-- tiles_regions.sql) on the asyncpg pool. That statement resolves the generation itself
-- and reads the only area-bound table it needs, cell_rollups, through the function
-- below, which first applies the caller's area for the transaction.
--
-- Why a function: the area must be set before row-level security reads it, and within
-- one plain statement PostgreSQL promises no order between a set_config() call and the
-- policy's InitPlans on cell_rollups. PL/pgSQL runs its statements in order.
--
-- Security is unchanged: the function is SECURITY INVOKER (the default), so the read of
-- cell_rollups runs as the caller's role (the app role, row-level security on) under the
-- cell_rollups_area policy of 0012_speed, with the area given. The area settings are
-- transaction-local (set_config(..., true)), as gis/auth/rls.py sets them: a pooled
-- connection never keeps them. NULL for the area means "the area this transaction already
-- carries" (a SQLAlchemy session scoped by gis/auth/rls.py); a connection that carries
-- none sees no area-bound rows (fail closed: every count reads 0).

CREATE FUNCTION onegrid_scoped_cell_households(scope_all text, scope_prefixes text,
                                               scope_cells text, cell_ids bigint[])
RETURNS TABLE (cell_id bigint, households integer)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    IF scope_all IS NOT NULL THEN
        PERFORM set_config('onegrid.scope_all', scope_all, true),
                set_config('onegrid.scope_prefixes', coalesce(scope_prefixes, '{}'), true),
                set_config('onegrid.scope_cells', coalesce(scope_cells, '{}'), true);
        PERFORM onegrid_scope_resolve();
    END IF;
    -- primary-key probes (cell_id = ANY): an index condition, as is the policy's own
    -- comparison with the resolved ids
    RETURN QUERY SELECT r.cell_id, r.households FROM cell_rollups AS r
                 WHERE r.cell_id = ANY (cell_ids);
END $$;

-- A page of /households for a caller with an area (issue 13): gis/people/households.py
-- takes the page's ids from household_cells alone, keyset on the household id, before
-- joining households. Both branches of the view then read one index each, the keyset
-- an index condition and the row-level-security filter answered from the index (no heap
-- visit): own placements by (cell_id, household_id); households placed by their
-- building by (building_id, id) with located_by, the columns the households_area policy
-- reads. Same names as the indexes they replace (which they cover: same leading column),
-- so the comments naming them elsewhere stay true.
DROP INDEX ix_household_own_cells_cell;
CREATE INDEX ix_household_own_cells_cell ON household_own_cells (cell_id, household_id);
DROP INDEX ix_households_building;
CREATE INDEX ix_households_building ON households (building_id, id) INCLUDE (located_by);
