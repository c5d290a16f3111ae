-- People: per-cell rollups kept current by assignment and imports, plus supporting indexes.

-- One row per cell: counts that colour a city map without touching households.
-- Refreshed for the cells an import, an edit or a re-assignment touched
-- (gis/sql/rollup_refresh_cells.sql), so it stays current without a full rebuild.
CREATE TABLE cell_rollups (
    cell_id        bigint PRIMARY KEY REFERENCES grid_cells (id) ON DELETE CASCADE,
    households     integer NOT NULL DEFAULT 0,
    members        integer NOT NULL DEFAULT 0,   -- sum of households.members as declared
    residents      integer NOT NULL DEFAULT 0,   -- person records
    special_total  integer NOT NULL DEFAULT 0,   -- open special-population records
    special        jsonb NOT NULL DEFAULT '{}',  -- {category: {high|medium|low: n}}
    by_concern     jsonb NOT NULL DEFAULT '{}',  -- {high|medium|low: n}
    refreshed_at   timestamptz NOT NULL DEFAULT now()
);

-- The unlocated queue is a small slice of a large table: a partial index lists it fast.
CREATE INDEX ix_households_unlocated ON households (id) WHERE cell_id IS NULL;
-- Imports match households to buildings and find duplicates by standard address.
CREATE INDEX ix_households_address ON households (address);
CREATE INDEX ix_household_moves_generation ON household_moves (generation_id);
CREATE INDEX ix_special_population_concern ON special_population_records (concern_level);
