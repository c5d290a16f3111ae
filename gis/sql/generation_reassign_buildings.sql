-- After activation: buildings whose cell is not valid in the new generation move to the
-- new cell covering a point on them (ST_PointOnSurface works for points and footprints).
-- ST_Covers on the subdivided pieces (GiST index, EPSG:4326); ORDER BY code for edges.
WITH stranded AS (
    SELECT b.id, ST_PointOnSurface(b.geom) AS point
    FROM buildings AS b
    JOIN grid_cells AS old ON old.id = b.cell_id
    WHERE NOT (old.generation_low <= :generation_id
               AND (old.generation_high IS NULL OR old.generation_high >= :generation_id))
),
moved AS (
    UPDATE buildings AS b
    SET cell_id = (SELECT c.id
                   FROM grid_cell_pieces AS p
                   JOIN grid_cells AS c ON c.id = p.cell_id
                   WHERE ST_Covers(p.geom, s.point)
                     AND c.generation_low <= :generation_id
                     AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
                   ORDER BY c.code
                   LIMIT 1)
    FROM stranded AS s
    WHERE b.id = s.id
    RETURNING b.id
)
SELECT count(*) FROM moved
