-- Pairs of cells of one generation that overlap by more than :tolerance_m2.
-- NOT MATERIALIZED keeps the CTE inlined, so the self-join below is answered by the GiST
-- index on grid_cells.geom (a.geom && b.geom, both in the stored EPSG:4326); a.id < b.id
-- visits each pair once. ST_Relate '2********' (interiors share an area) drops the many
-- neighbours that only touch along an edge before the costly ST_Intersection.
-- Areas of these leftover pieces in m² in a local equirectangular frame at the piece's
-- latitude (onegrid_area_m2, defined in the baseline migration), not ::geography: geography reads every
-- edge as a geodesic, so the hair-thin sliver between two straight lon/lat edges that
-- share their ends (GEOS noise) gains tens of m² along a 2 km border. The local frame is
-- affine in lon/lat, keeps such slivers at their true (tiny) size, and is within 0.1 %
-- for pieces a few km across.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
pairs AS (
    SELECT least(a.code, b.code)::text AS code_a, greatest(a.code, b.code)::text AS code_b,
           ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS overlap
    FROM cells AS a
    JOIN cells AS b ON a.geom && b.geom AND a.id < b.id
    WHERE ST_Relate(a.geom, b.geom, '2********')
),
measured AS (
    SELECT p.code_a, p.code_b, p.overlap, onegrid_area_m2(p.overlap) AS area_m2
    FROM pairs AS p
)
SELECT ARRAY[m.code_a, m.code_b] AS codes, m.area_m2,
       ST_AsGeoJSON(m.overlap, 7)::json AS location
FROM measured AS m
WHERE m.area_m2 > :tolerance_m2
ORDER BY m.code_a, m.code_b
