-- Base cells whose household count lies outside :households_min..:households_max.
-- A household counts in its assigned cell when that cell is valid in this generation;
-- otherwise (not assigned yet, or its cell was redrawn or removed here) in the cell that
-- covers its point (its building's spot, or its own coordinates), found by ST_Covers on the
-- subdivided pieces (GiST index, EPSG:4326; ORDER BY code settles edge points).
-- Dedicated cells (schools, parks...) are not sized by households and are skipped.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.kind, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
assigned AS (
    SELECT hc.cell_id, count(*) AS households
    FROM household_cells AS hc
    JOIN cells AS c ON c.id = hc.cell_id
    GROUP BY hc.cell_id
),
stranded AS (
    -- Households whose placement is not a cell of this generation, by the point that
    -- would place them: a building's spot (its households share it: one lookup per
    -- building), or a household's own coordinates.
    SELECT b.spot AS point, count(*) AS households
    FROM households AS h
    JOIN buildings AS b ON b.id = h.building_id
    LEFT JOIN building_cells AS bc ON bc.building_id = b.id
    LEFT JOIN grid_cells AS old ON old.id = bc.cell_id
    WHERE h.located_by = 'building'
      AND (old.id IS NULL
           OR NOT (old.generation_low <= :generation_id
                   AND (old.generation_high IS NULL OR old.generation_high >= :generation_id)))
    GROUP BY b.id, b.spot
    UNION ALL
    SELECT h.geom, count(*)
    FROM households AS h
    LEFT JOIN household_own_cells AS oc ON oc.household_id = h.id
    LEFT JOIN grid_cells AS old ON old.id = oc.cell_id
    WHERE (h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL)
      AND h.geom IS NOT NULL
      AND (old.id IS NULL
           OR NOT (old.generation_low <= :generation_id
                   AND (old.generation_high IS NULL OR old.generation_high >= :generation_id)))
    GROUP BY h.geom
),
relocated AS (
    SELECT covering.id AS cell_id, sum(s.households)::bigint AS households
    FROM stranded AS s
    CROSS JOIN LATERAL (
        SELECT c.id
        FROM grid_cell_pieces AS p
        JOIN cells AS c ON c.id = p.cell_id
        WHERE p.geom && s.point AND ST_Covers(c.geom, s.point)
        ORDER BY c.code
        LIMIT 1) AS covering
    GROUP BY covering.id
),
counted AS (
    SELECT c.code, c.geom,
           coalesce(a.households, 0) + coalesce(r.households, 0) AS households
    FROM cells AS c
    LEFT JOIN assigned AS a ON a.cell_id = c.id
    LEFT JOIN relocated AS r ON r.cell_id = c.id
    WHERE c.kind = 'base'
)
SELECT ARRAY[k.code::text] AS codes, k.households,
       ST_AsGeoJSON(k.geom, 7)::json AS location
FROM counted AS k
WHERE k.households < :households_min OR k.households > :households_max
ORDER BY k.code
