-- Slivers: cells smaller than :sliver_min_area_m2, or thinner than :sliver_max_thinness.
-- Thinness is measured by Polsby-Popper compactness 4*pi*A / P^2 (1 for a circle, 0.785
-- for a square, about 0.04 for a 1:80 strip): a cell whose compactness is below the
-- setting is a sliver. A and P in metres on the spheroid (::geography), so the measure
-- does not depend on latitude.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.area_m2, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
measured AS (
    SELECT c.code, c.geom, c.area_m2,
           4 * pi() * c.area_m2 / nullif(ST_Perimeter(c.geom::geography) ^ 2, 0) AS compactness
    FROM cells AS c
)
SELECT ARRAY[m.code::text] AS codes, m.area_m2, coalesce(m.compactness, 0) AS compactness,
       ST_AsGeoJSON(m.geom, 7)::json AS location
FROM measured AS m
WHERE m.area_m2 < :sliver_min_area_m2 OR coalesce(m.compactness, 0) < :sliver_max_thinness
ORDER BY m.code
