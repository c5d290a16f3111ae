-- Areas inside the generation's villages that the departmental layer does not cover:
-- village minus the union of the legacy cells touching it, one row per village.
-- Villages are those that have cells in the generation (the unified grid's extent).
-- ST_Intersects in EPSG:4326 uses the GiST index on legacy_cells.geom; the union is per
-- village, so a layer covering a whole district is never unioned in one piece.
-- Areas in metres via ::geography.
WITH unified_villages AS (
    SELECT DISTINCT c.village_code
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
villages AS (
    SELECT r.code, r.name, r.geom
    FROM regions AS r
    JOIN unified_villages AS u ON r.code = u.village_code
),
legacy_per_village AS (
    SELECT v.code, ST_Union(l.geom) AS geom
    FROM villages AS v
    JOIN legacy_cells AS l ON l.layer_id = :layer_id AND ST_Intersects(l.geom, v.geom)
    GROUP BY v.code
),
uncovered AS (
    SELECT v.code, v.name,
           CASE WHEN lv.geom IS NULL THEN v.geom ELSE ST_Difference(v.geom, lv.geom) END AS geom
    FROM villages AS v
    LEFT JOIN legacy_per_village AS lv ON lv.code = v.code
),
-- Parts up to :min_area_m2 are digitising noise: dropped part by part, so one real gap
-- is not hidden by, nor inflated with, the slivers along shared edges. (One row per
-- village, not ST_Dump in the outer query: a set-returning function there makes the
-- planner's estimate large enough to trigger JIT compilation, seconds for nothing.)
cleaned AS (
    SELECT u.code, u.name,
           (SELECT ST_Multi(ST_Collect(d.geom))
            FROM ST_Dump(u.geom) AS d
            WHERE ST_Dimension(d.geom) = 2 AND onegrid_area_m2(d.geom) > :min_area_m2
           ) AS geom
    FROM uncovered AS u
)
SELECT c.code AS village_code, c.name AS village_name,
       onegrid_area_m2(c.geom) AS area_m2,
       ST_NumGeometries(c.geom) AS parts,
       ST_AsGeoJSON(c.geom, 7)::json AS geometry
FROM cleaned AS c
WHERE c.geom IS NOT NULL
ORDER BY c.code
