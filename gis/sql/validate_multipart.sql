-- Cells made of more than one part. The column type (Polygon) and the edit API refuse
-- multi-part shapes, so this guards rows written around them (e.g. a relaxed column type).
WITH cells AS NOT MATERIALIZED (
    SELECT c.id, c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
)
SELECT ARRAY[c.code::text] AS codes, ST_NumGeometries(c.geom) AS parts,
       ST_AsGeoJSON(c.geom, 7)::json AS location
FROM cells AS c
WHERE GeometryType(c.geom) <> 'POLYGON' OR ST_NumGeometries(c.geom) > 1
ORDER BY c.code
