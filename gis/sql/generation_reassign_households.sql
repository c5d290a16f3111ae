-- After activation: households whose cell is not valid in the new generation (it was
-- redrawn or removed) move to the new cell covering their point (own coordinates, else
-- their building's); each move is logged. Households in unchanged cells keep their row.
-- ST_Covers on the subdivided pieces (GiST index, EPSG:4326); ORDER BY code settles
-- points on a shared edge the same way /locate does.
WITH stranded AS (
    SELECT h.id, h.cell_id AS from_cell_id,
           coalesce(h.geom, ST_PointOnSurface(b.geom)) AS point
    FROM households AS h
    JOIN grid_cells AS old ON old.id = h.cell_id
    LEFT JOIN buildings AS b ON b.id = h.building_id
    WHERE NOT (old.generation_low <= :generation_id
               AND (old.generation_high IS NULL OR old.generation_high >= :generation_id))
),
target AS (
    SELECT s.id, s.from_cell_id,
           (SELECT c.id
            FROM grid_cell_pieces AS p
            JOIN grid_cells AS c ON c.id = p.cell_id
            WHERE s.point IS NOT NULL
              AND ST_Covers(p.geom, s.point)
              AND c.generation_low <= :generation_id
              AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
            ORDER BY c.code
            LIMIT 1) AS to_cell_id
    FROM stranded AS s
),
moved AS (
    UPDATE households AS h
    SET cell_id = t.to_cell_id, updated_at = now()
    FROM target AS t
    WHERE h.id = t.id
    RETURNING h.id, t.from_cell_id, t.to_cell_id
),
logged AS (
    INSERT INTO household_moves (household_id, from_cell_id, to_cell_id, generation_id, reason)
    SELECT m.id, m.from_cell_id, m.to_cell_id, :generation_id, 'generation activated'
    FROM moved AS m
    RETURNING 1
)
SELECT count(*) FROM logged
