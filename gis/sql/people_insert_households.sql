-- Imported households into the table, each with its cell already found: written once.
-- The rows were COPYed into the temporary table staged_households (see
-- gis/people/ingest/households.py); before, they were COPYed into households and then
-- every one of them was UPDATEd by assign_households.sql, i.e. written twice with all
-- seven households indexes maintained twice.
-- A household located by its building (located_by = 'building') is in the building's cell
-- (building_cells, placed when the building was imported): nothing to look up here.
-- The others were placed by people_staged_own_cells.sql, whose placements are already in
-- household_own_cells (written first: under row-level security a household is written
-- only when it is placed in the caller's area); a point outside every cell is unlocated
-- with a reason. A staged row not inserted (its household id was already stored) has its
-- placement taken back here.
-- :generation_id NULL (no active generation) stores the rows without a cell.
WITH inserted AS (
    INSERT INTO households (id, external_id, building_id, address, geom, members,
                            located_by, unlocated_reason)
    SELECT s.id, s.external_id, s.building_id, s.address, s.geom, s.members, s.located_by,
           CASE WHEN hits.cell_id IS NOT NULL THEN NULL
                -- located by its building: the building's placement speaks for it
                WHEN s.located_by = 'building' AND s.building_id IS NOT NULL THEN NULL
                WHEN s.geom IS NULL THEN coalesce(s.unlocated_reason,
                                                  'no coordinates and no building')
                WHEN CAST(:generation_id AS integer) IS NULL THEN s.unlocated_reason
                ELSE 'outside every cell of generation ' || CAST(:generation_id AS text)
           END
    FROM staged_households AS s
    LEFT JOIN staged_own_cells AS hits ON hits.household_id = s.id
    -- id order: the heap and the primary key are filled sequentially.
    ORDER BY s.id
    -- A household id already stored (the caller checked those it can see; row-level
    -- security hides other areas' rows) is skipped and reported as a duplicate.
    ON CONFLICT (external_id) DO NOTHING
    RETURNING id, building_id, located_by, geom IS NOT NULL AS has_geom,
              unlocated_reason
),
taken_back AS (
    DELETE FROM household_own_cells AS oc
    USING staged_own_cells AS s
    WHERE oc.household_id = s.household_id
      AND NOT EXISTS (SELECT 1 FROM inserted AS i WHERE i.id = s.household_id)
    RETURNING oc.household_id
),
placed AS (
    SELECT i.id, coalesce(own.cell_id, bc.cell_id) AS cell_id, i.has_geom,
           coalesce(i.unlocated_reason, CASE WHEN i.located_by = 'building' AND bc.cell_id IS NULL
               THEN 'its building ' || i.building_id || ' is outside every cell' END)
               AS unlocated_reason
    FROM inserted AS i
    LEFT JOIN staged_own_cells AS own ON own.household_id = i.id
    LEFT JOIN building_cells AS bc
           ON bc.building_id = i.building_id AND i.located_by = 'building'
)
SELECT (SELECT count(*) FROM placed) AS stored,
       (SELECT count(*) FROM taken_back) AS taken_back,
       (SELECT count(*) FROM placed WHERE cell_id IS NOT NULL) AS assigned,
       (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM placed
        WHERE cell_id IS NULL AND has_geom) AS outside_ids,
       (SELECT coalesce(array_agg(unlocated_reason ORDER BY id), '{}') FROM placed
        WHERE cell_id IS NULL AND has_geom) AS outside_reasons,
       (SELECT coalesce(array_agg(DISTINCT cell_id), '{}') FROM placed
        WHERE cell_id IS NOT NULL) AS touched_cell_ids
