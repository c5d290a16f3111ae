-- What importing these regions would change: one row per incoming region (dry run).
-- Geometries arrive as hex WKB already transformed to EPSG:4326 by the importer, so
-- ST_Equals compares like with like. The join is on regions.code (its unique index):
-- the incoming code is cast to char(12), the column's type, so that index is usable.
WITH incoming AS (
    SELECT f.code, f.level, f.name, f.parent_code, f.urban,
           ST_Multi(ST_GeomFromWKB(decode(f.wkb, 'hex'), 4326)) AS geom
    FROM jsonb_to_recordset(CAST(:features AS jsonb))
         AS f(code text, level text, name text, parent_code text, urban boolean, wkb text)
),
compared AS (
    SELECT i.code, i.level, i.name, r.id AS existing_id,
           -- only existing regions can have a changed geometry; new ones are inserts
           (r.id IS NOT NULL AND NOT ST_Equals(r.geom, i.geom)) AS geometry_changed,
           (r.id IS NOT NULL AND (r.name IS DISTINCT FROM i.name
                                  OR r.urban IS DISTINCT FROM coalesce(i.urban, r.urban)))
               AS attributes_changed
    FROM incoming AS i
    LEFT JOIN regions AS r ON r.code = CAST(i.code AS char(12))
)
SELECT c.code, c.level, c.name, c.geometry_changed,
       CASE WHEN c.existing_id IS NULL THEN 'insert'
            WHEN c.geometry_changed OR c.attributes_changed THEN 'update'
            ELSE 'unchanged' END AS action
FROM compared AS c
ORDER BY c.code
