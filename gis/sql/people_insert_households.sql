-- Imported households into the table, each with its cell already found: written once.
-- The rows were COPYed into the temporary table staged_households (see
-- gis/people/ingest/households.py); before, they were COPYed into households and then
-- every one of them was UPDATEd by assign_households.sql, i.e. written twice with all
-- seven households indexes maintained twice.
-- Same rule as assign_households.sql: ST_Covers (a point on an edge is covered by both
-- neighbours), the lowest code wins; a point outside every cell is unlocated with a reason.
-- Driven from the generation's pieces: each piece probes the GiST index of the staged
-- points (built by the caller), so each piece's geometry is prepared once. All EPSG:4326.
-- :generation_id NULL (no active generation) stores the rows without a cell.
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
hits AS (
    SELECT DISTINCT ON (s.id) s.id, c.id AS cell_id
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    JOIN staged_households AS s ON ST_Covers(p.geom, s.geom)
    ORDER BY s.id, c.code
),
inserted AS (
    INSERT INTO households (id, external_id, building_id, address, geom, members,
                            located_by, unlocated_reason, cell_id)
    SELECT s.id, s.external_id, s.building_id, s.address, s.geom, s.members, s.located_by,
           CASE WHEN hits.cell_id IS NOT NULL THEN NULL
                WHEN s.geom IS NULL THEN coalesce(s.unlocated_reason,
                                                  'no coordinates and no building')
                WHEN CAST(:generation_id AS integer) IS NULL THEN s.unlocated_reason
                ELSE 'outside every cell of generation ' || CAST(:generation_id AS text)
           END,
           hits.cell_id
    FROM staged_households AS s
    LEFT JOIN hits ON hits.id = s.id
    -- id order: the heap and the primary key are filled sequentially.
    ORDER BY s.id
    RETURNING id, cell_id, geom IS NOT NULL AS has_geom, unlocated_reason
)
SELECT (SELECT count(*) FROM inserted) AS stored,
       (SELECT count(*) FROM inserted WHERE cell_id IS NOT NULL) AS assigned,
       (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM inserted
        WHERE cell_id IS NULL AND has_geom) AS outside_ids,
       (SELECT coalesce(array_agg(unlocated_reason ORDER BY id), '{}') FROM inserted
        WHERE cell_id IS NULL AND has_geom) AS outside_reasons,
       (SELECT coalesce(array_agg(DISTINCT cell_id), '{}') FROM inserted
        WHERE cell_id IS NOT NULL) AS touched_cell_ids
