-- Recompute cell_rollups for the given cells only (cell_ids, a bigint[]), so an import or a
-- re-assignment costs in proportion to what it touched, not to the city.
-- A household counts in its cell however it is placed (the view household_cells: its own
-- cell through ix_households_own_cell, or its building's through ix_building_cells_cell
-- and ix_households_building); persons through ix_persons_household, records through
-- ix_special_population_person. No geometry is read here.
-- Special-population records count while open (no end date, or one not yet passed).
WITH target AS (
    SELECT c.id AS cell_id
    FROM grid_cells AS c
    WHERE c.id = ANY (CAST(:cell_ids AS bigint[]))
),
placed AS MATERIALIZED (
    -- A constant filter, not a join with target: PostgreSQL pushes it into both branches
    -- of the view (it cannot push a join condition into the branch that is a join).
    SELECT hc.household_id, hc.cell_id
    FROM household_cells AS hc
    WHERE hc.cell_id = ANY (CAST(:cell_ids AS bigint[]))
),
household_counts AS (
    SELECT pl.cell_id, count(*) AS households, coalesce(sum(h.members), 0) AS members
    FROM placed AS pl JOIN households AS h ON h.id = pl.household_id
    GROUP BY pl.cell_id
),
resident_counts AS (
    SELECT pl.cell_id, count(*) AS residents
    FROM persons AS p
    JOIN placed AS pl ON pl.household_id = p.household_id
    GROUP BY pl.cell_id
),
special_cells AS (
    SELECT pl.cell_id, r.category_code, r.concern_level, count(*) AS n
    FROM special_population_records AS r
    JOIN persons AS p ON p.id = r.person_id
    JOIN placed AS pl ON pl.household_id = p.household_id
    WHERE r.end_date IS NULL OR r.end_date >= current_date
    GROUP BY pl.cell_id, r.category_code, r.concern_level
),
by_category AS (
    SELECT cell_id, jsonb_object_agg(category_code, levels) AS special
    FROM (SELECT cell_id, category_code, jsonb_object_agg(concern_level, n) AS levels
          FROM special_cells GROUP BY cell_id, category_code) AS per_category
    GROUP BY cell_id
),
by_concern AS (
    SELECT cell_id, jsonb_object_agg(concern_level, n) AS by_concern, sum(n) AS total
    FROM (SELECT cell_id, concern_level, sum(n) AS n
          FROM special_cells GROUP BY cell_id, concern_level) AS per_level
    GROUP BY cell_id
)
INSERT INTO cell_rollups AS r (cell_id, households, members, residents, special_total,
                               special, by_concern, refreshed_at)
SELECT t.cell_id, coalesce(hc.households, 0), coalesce(hc.members, 0),
       coalesce(rc.residents, 0), coalesce(bc.total, 0),
       coalesce(cat.special, '{}'), coalesce(bc.by_concern, '{}'), now()
FROM target AS t
LEFT JOIN household_counts AS hc ON hc.cell_id = t.cell_id
LEFT JOIN resident_counts AS rc ON rc.cell_id = t.cell_id
LEFT JOIN by_category AS cat ON cat.cell_id = t.cell_id
LEFT JOIN by_concern AS bc ON bc.cell_id = t.cell_id
ON CONFLICT (cell_id) DO UPDATE
SET households = excluded.households, members = excluded.members,
    residents = excluded.residents, special_total = excluded.special_total,
    special = excluded.special, by_concern = excluded.by_concern,
    refreshed_at = excluded.refreshed_at
