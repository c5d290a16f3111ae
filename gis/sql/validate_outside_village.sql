-- Cells not inside exactly one village: the part of each cell outside the village its code
-- names (more than :tolerance_m2), and which other villages that part falls in.
-- The other villages are found through the GiST index on regions.geom (r.geom && c.geom,
-- EPSG:4326); a village counts when a piece of the outside part larger than
-- :tolerance_m2 lies in it (no ST_Relate pre-filter: GEOS 3.11's relate throws "side
-- location conflict" on the thin pieces a difference leaves).
-- Areas of these leftover pieces in m² in a local equirectangular frame at the piece's
-- latitude (onegrid_area_m2, defined in the baseline migration), not ::geography: geography reads every
-- edge as a geodesic, so the hair-thin sliver between two straight lon/lat edges that
-- share their ends (GEOS noise) gains tens of m² along a 2 km border. The local frame is
-- affine in lon/lat, keeps such slivers at their true (tiny) size, and is within 0.1 %
-- for pieces a few km across.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.village_code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
own AS (
    SELECT c.id, c.code, c.village_code,
           -- snap-rounded to :grid_deg, the grid cells are stored on: a village edge off
           -- that grid is rounded onto it (see validate_gaps.sql)
           ST_CollectionExtract(ST_Difference(c.geom, v.geom, :grid_deg), 3) AS outside
    FROM cells AS c
    JOIN regions AS v ON v.code = c.village_code
),
pieces AS (
    -- The wedges left where a cell was rounded onto the grid along a village edge that is
    -- not on it are narrower than one grid step (mean width 2·area/perimeter under
    -- :grid_m metres, ~1.1 cm): rounding, not a cell drawn over the line. Borders between
    -- cells are checked exactly, vertex for vertex, elsewhere (coverage_edge findings).
    SELECT o.id, o.code, o.village_code, d.geom
    FROM own AS o, ST_Dump(o.outside) AS d
    WHERE 2 * onegrid_area_m2(d.geom) / nullif(ST_Perimeter(d.geom::geography), 0) > :grid_m
),
kept AS (
    SELECT p.id, p.code, p.village_code, ST_Collect(p.geom) AS outside
    FROM pieces AS p
    GROUP BY p.id, p.code, p.village_code
),
measured AS (
    SELECT k.*, onegrid_area_m2(k.outside) AS area_m2 FROM kept AS k
),
elsewhere AS (
    SELECT m.id, array_agg(r.code::text ORDER BY r.code) AS other_villages
    FROM measured AS m
    JOIN regions AS r ON r.level = 'village' AND r.code <> m.village_code
                     AND r.geom && m.outside
    WHERE m.area_m2 > :tolerance_m2
      AND onegrid_area_m2(ST_Intersection(r.geom, m.outside, :grid_deg)) > :tolerance_m2
    GROUP BY m.id
)
SELECT ARRAY[m.code::text] AS codes, m.village_code, m.area_m2,
       coalesce(e.other_villages, ARRAY[]::text[]) AS other_villages,
       ST_AsGeoJSON(m.outside, 7)::json AS location
FROM measured AS m
LEFT JOIN elsewhere AS e ON e.id = m.id
WHERE m.area_m2 > :tolerance_m2
ORDER BY m.code
