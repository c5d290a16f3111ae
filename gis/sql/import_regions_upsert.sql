-- Insert new regions and update changed ones in one statement (one transaction with
-- the rest of the import). Rows are produced parents first (district, town, village) so
-- the parent_code foreign key always finds its parent, whatever order the file had.
-- Geometries: hex WKB in EPSG:4326 (transformed by the importer); ST_Multi because the
-- column is MultiPolygon. Unchanged rows are skipped by the WHERE of DO UPDATE.
WITH incoming AS (
    SELECT f.code, f.level, f.name, f.parent_code, f.urban,
           ST_Multi(ST_GeomFromWKB(decode(f.wkb, 'hex'), 4326)) AS geom
    FROM jsonb_to_recordset(CAST(:features AS jsonb))
         AS f(code text, level text, name text, parent_code text, urban boolean, wkb text)
)
INSERT INTO regions AS r (code, level, name, parent_code, urban, geom)
SELECT i.code, i.level, i.name, i.parent_code, i.urban, i.geom
FROM incoming AS i
ORDER BY CASE i.level WHEN 'district' THEN 0 WHEN 'town' THEN 1 ELSE 2 END, i.code
ON CONFLICT (code) DO UPDATE
SET name = EXCLUDED.name,
    urban = coalesce(EXCLUDED.urban, r.urban),
    geom = EXCLUDED.geom
WHERE r.name IS DISTINCT FROM EXCLUDED.name
   OR r.urban IS DISTINCT FROM coalesce(EXCLUDED.urban, r.urban)
   OR NOT ST_Equals(r.geom, EXCLUDED.geom)
