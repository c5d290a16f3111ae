-- The ids (and cells) of one page of households placed in some cells: the :limit
-- smallest household ids above the cursor :after among the households placed in
-- :cell_ids (a cell or region filter within the caller's area, or the area itself).
-- Row-level security applies as usual (the caller's role; the view is security_invoker).
--
-- Two ways to the same answer; one-time filters run only one of them to the end:
-- walked: the window of :window ids right after the cursor, in id order
--   (households_pkey), each household's cell by a LATERAL probe of household_cells (a
--   primary-key probe per branch). Households of an area are mostly near each other in
--   id order (imported village by village, or created where their workers are), so for
--   most pages this window already holds a whole page: ~2,000 probes, whatever the size
--   of the area. If it holds a whole page, that page is exact: every placed household
--   with an id in the window was seen, and every one beyond it has a larger id.
-- gathered: otherwise, every placement in the cells (ix_household_own_cells_cell and
--   ix_building_cells_cell + ix_households_building, the keyset an index condition in
--   both, answered from the indexes: migration 0028_tile_path), then a top-N sort. It
--   costs what the area holds above the cursor (~27,000 households for a town of the
--   city: ~40 ms), so it is the fallback, not the rule.
-- :window is 0 when the page has an offset (old clients): the gathered way alone.
WITH walked AS MATERIALIZED (
    SELECT h.id AS household_id, placement.cell_id
    FROM households AS h
    CROSS JOIN LATERAL (
        -- LIMIT 1 (one placement per household) keeps this a per-row probe
        SELECT hc.cell_id FROM household_cells AS hc
        WHERE hc.household_id = h.id LIMIT 1
    ) AS placement
    WHERE h.id > CAST(:after AS bigint)
      AND h.id <= CAST(:after AS bigint) + CAST(:window AS bigint)
      AND placement.cell_id = ANY (CAST(:cell_ids AS bigint[]))
    ORDER BY h.id
    LIMIT CAST(:limit AS integer)
),
walked_whole AS (
    -- a whole page: the walk found its last row (no count: nothing reads on past it)
    SELECT EXISTS (SELECT 1 FROM walked OFFSET CAST(:limit AS integer) - 1) AS whole
),
gathered AS (
    SELECT hc.household_id, hc.cell_id
    FROM household_cells AS hc
    WHERE hc.cell_id = ANY (CAST(:cell_ids AS bigint[]))
      AND hc.household_id > CAST(:after AS bigint)
    ORDER BY hc.household_id
    LIMIT CAST(:limit AS integer) OFFSET CAST(:offset AS integer)
)
SELECT w.household_id, w.cell_id FROM walked AS w
WHERE (SELECT whole FROM walked_whole)
UNION ALL
SELECT g.household_id, g.cell_id FROM gathered AS g
WHERE NOT (SELECT whole FROM walked_whole)
