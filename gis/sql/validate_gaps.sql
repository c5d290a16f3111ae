-- Parts of each village covered by no cell of the generation, larger than :tolerance_m2.
-- A village with no cell at all is one big gap. Cells are gathered by bounding box
-- (c.geom && v.geom, GiST index, EPSG:4326), so a cell filed under the wrong village still
-- counts as covering the ground it lies on (that error is reported as outside_village).
-- Areas of these leftover pieces in m² in a local equirectangular frame at the piece's
-- latitude (onegrid_area_m2, defined in the baseline migration), not ::geography: geography reads every
-- edge as a geodesic, so the hair-thin sliver between two straight lon/lat edges that
-- share their ends (GEOS noise) gains tens of m² along a 2 km border. The local frame is
-- affine in lon/lat, keeps such slivers at their true (tiny) size, and is within 0.1 %
-- for pieces a few km across.
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
villages AS (
    SELECT r.code, r.geom FROM regions AS r WHERE r.level = 'village'
),
covered AS (
    -- The cells that meet the village (a neighbour touching its edge adds nothing, and
    -- costs little). ST_Intersects, not ST_Relate '2********': GEOS 3.11's relate throws
    -- "side location conflict" on thin, nearly coincident pieces of valid input.
    -- Overlays are snap-rounded to :grid_deg, the grid cells are stored on (1e-7 degrees,
    -- about 1 cm; gis/grid/coverage.py PRECISION_DEG): exact for the cells, and a village
    -- edge that is off that grid is rounded onto it, so the millimetre-wide wedges between
    -- it and the cells drawn along it are no gap (floating-point overlay of many cells
    -- also met a GEOS 3.11 robustness bug that returned a village as wholly uncovered).
    SELECT v.code, ST_Union(c.geom, :grid_deg) AS geom
    FROM villages AS v
    JOIN cells AS c ON c.geom && v.geom
    WHERE ST_Intersects(c.geom, v.geom)
    GROUP BY v.code
),
holes AS (
    SELECT v.code,
           (ST_Dump(ST_CollectionExtract(
               ST_Difference(v.geom, coalesce(cv.geom, ST_GeomFromText('POLYGON EMPTY', 4326)),
                             :grid_deg),
               3))).geom AS gap
    FROM villages AS v
    LEFT JOIN covered AS cv ON cv.code = v.code
),
measured AS (
    SELECT h.code, h.gap, onegrid_area_m2(h.gap) AS area_m2 FROM holes AS h
)
SELECT ARRAY[]::text[] AS codes, m.code AS village_code, m.area_m2,
       ST_AsGeoJSON(m.gap, 7)::json AS location
FROM measured AS m
WHERE m.area_m2 > :tolerance_m2
  -- narrower than one grid step on average (2·area/perimeter under :grid_m metres):
  -- rounding along a village edge off the grid, see validate_outside_village.sql
  AND 2 * m.area_m2 / nullif(ST_Perimeter(m.gap::geography), 0) > :grid_m
ORDER BY m.code, m.area_m2 DESC
