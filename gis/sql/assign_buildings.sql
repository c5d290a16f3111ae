-- Assign buildings (points or footprints) to cells of one generation, the households' rule.
-- A footprint goes where its ST_PointOnSurface lies: one cell even when the footprint
-- straddles an edge. Driven from the pieces: `b.geom && p.geom` lets the GiST index of
-- buildings.geom (EPSG:4326, like the pieces) find candidates per piece.
-- building_ids NULL = every building; otherwise only those ids.
WITH cells AS MATERIALIZED (
    SELECT c.id, c.code
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
target AS (
    SELECT b.id, ST_PointOnSurface(b.geom) AS spot
    FROM buildings AS b
    WHERE (CAST(:building_ids AS bigint[]) IS NULL
           OR b.id = ANY (CAST(:building_ids AS bigint[])))
),
hits AS (
    SELECT DISTINCT ON (b.id) b.id AS building_id, c.id AS cell_id
    FROM cells AS c
    JOIN grid_cell_pieces AS p ON p.cell_id = c.id
    JOIN buildings AS b ON b.geom && p.geom
    JOIN target AS t ON t.id = b.id
    WHERE ST_Covers(p.geom, t.spot)
    ORDER BY b.id, c.code
),
changed AS (
    UPDATE buildings AS b SET cell_id = hits.cell_id
    FROM target AS t LEFT JOIN hits ON hits.building_id = t.id
    WHERE b.id = t.id AND b.cell_id IS DISTINCT FROM hits.cell_id
    RETURNING b.id
)
SELECT (SELECT count(*) FROM target) AS considered, (SELECT count(*) FROM changed) AS changed
