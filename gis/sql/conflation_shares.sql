-- The area-share matrix of one departmental layer against the cells of one generation:
-- one row per (legacy cell, unified cell) pair whose shared area is not noise.
-- Both tables are in EPSG:4326; ST_Intersects runs there so the GiST indexes on
-- legacy_cells.geom and grid_cells.geom answer the && part (the `unified` CTE is
-- referenced once, so PostgreSQL inlines it and keeps the index usable).
-- Areas via onegrid_area_m2 (planar area scaled to m² at the centroid): intersections are
-- computed in the lon/lat plane, and ::geography would turn their straight km-long edges
-- into arcs and invent slivers of tens of m² (see the baseline migration).
-- share = shared area / the legacy cell's area (how much of the legacy cell goes there).
-- Noise is judged against the SMALLER of the two cells: a unified cell lying wholly inside
-- a district-wide legacy cell holds under 1% of it, yet is no sliver. Judged against the
-- legacy cell alone, every such overlap was dropped and the summary said "overlaps no
-- cell" (agreement 0) for a legacy cell the detail showed 99% covered.
WITH legacy AS (
    SELECT l.id, l.geom, onegrid_area_m2(l.geom) AS legacy_m2
    FROM legacy_cells AS l
    WHERE l.layer_id = :layer_id
),
unified AS (
    SELECT c.id, c.code, c.village_code, c.geom, onegrid_area_m2(c.geom) AS cell_m2
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
pairs AS (
    SELECT l.id AS legacy_id, u.id AS cell_id, u.code AS cell_code, u.village_code,
           l.legacy_m2, u.cell_m2,
           onegrid_area_m2(ST_Intersection(l.geom, u.geom)) AS shared_m2
    FROM legacy AS l
    JOIN unified AS u ON ST_Intersects(l.geom, u.geom)
)
SELECT p.legacy_id, p.cell_id, p.cell_code, p.village_code, p.shared_m2,
       p.shared_m2 / NULLIF(p.legacy_m2, 0) AS share
FROM pairs AS p
-- Shared edges and digitising wobble give slivers: below either threshold is noise.
WHERE p.shared_m2 >= :min_area_m2
  AND p.shared_m2 / NULLIF(LEAST(p.legacy_m2, p.cell_m2), 0) >= :min_share
ORDER BY p.legacy_id, p.shared_m2 DESC, p.cell_code
