-- Pairs of cells of one generation that overlap by more than :tolerance_m2 square metres.
-- a.geom && b.geom lets the GiST index find candidate pairs; a.id < b.id counts each once.
-- Areas via onegrid_area_m2 (planar area scaled to m²; the baseline migration says why
-- not geography), so the tolerance is in real m².
WITH cells AS (
    SELECT id, code, geom FROM grid_cells
    WHERE generation_low <= :generation_id
      AND (generation_high IS NULL OR generation_high >= :generation_id)
)
SELECT a.code AS code_a, b.code AS code_b,
       onegrid_area_m2(ST_Intersection(a.geom, b.geom)) AS overlap_m2
FROM cells AS a
JOIN cells AS b ON a.id < b.id AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
WHERE onegrid_area_m2(ST_Intersection(a.geom, b.geom)) > :tolerance_m2
