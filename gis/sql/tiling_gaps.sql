-- Villages whose area is not covered by the cells of one generation, beyond :tolerance_m2.
-- The union is per village (cells never straddle villages), so each ST_Union stays small.
-- Areas via onegrid_area_m2: the difference is computed in the plane, so measure it there.
WITH cells AS (
    SELECT village_code, geom FROM grid_cells
    WHERE generation_low <= :generation_id
      AND (generation_high IS NULL OR generation_high >= :generation_id)
), covered AS (
    SELECT village_code, ST_Union(geom) AS geom FROM cells GROUP BY village_code
)
SELECT v.code, onegrid_area_m2(ST_Difference(v.geom, coalesce(c.geom,
                                     'SRID=4326;POLYGON EMPTY'::geometry))) AS gap_m2
FROM regions AS v
LEFT JOIN covered AS c ON c.village_code = v.code
WHERE v.level = 'village'
  AND onegrid_area_m2(ST_Difference(v.geom, coalesce(c.geom,
                            'SRID=4326;POLYGON EMPTY'::geometry))) > :tolerance_m2
