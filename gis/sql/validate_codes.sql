-- Cell codes that break the coding rule: 15 digits = 12-digit village code + serial 001-999,
-- the village code naming a region of level 'village'. Format and prefix are also column
-- CHECKs; the level and the serial are not, so rows can carry them.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.village_code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
judged AS (
    SELECT c.code, c.village_code, c.geom, r.level,
           CASE WHEN c.code !~ '^[0-9]{15}$' THEN 'format'
                WHEN left(c.code, 12) <> c.village_code THEN 'prefix'
                WHEN r.level IS DISTINCT FROM 'village' THEN 'not_village'
                WHEN right(c.code, 3) = '000' THEN 'serial'
           END AS problem
    FROM cells AS c
    LEFT JOIN regions AS r ON r.code = c.village_code
)
SELECT ARRAY[j.code::text] AS codes, j.village_code, j.problem, coalesce(j.level, 'missing') AS level,
       ST_AsGeoJSON(ST_PointOnSurface(j.geom), 7)::json AS location
FROM judged AS j
WHERE j.problem IS NOT NULL
ORDER BY j.code
