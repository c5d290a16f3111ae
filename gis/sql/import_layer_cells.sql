-- Store the cells of one departmental layer in one statement.
-- Geometries: hex WKB already in EPSG:4326 (the importer transformed them); ST_Multi
-- because legacy_cells.geom is MultiPolygon (departments draw multi-part cells).
INSERT INTO legacy_cells (layer_id, source_code, name, attributes, geom)
SELECT :layer_id, f.source_code, f.name, coalesce(f.attributes, '{}'::jsonb),
       ST_Multi(ST_GeomFromWKB(decode(f.wkb, 'hex'), 4326))
FROM jsonb_to_recordset(CAST(:features AS jsonb))
     AS f(idx integer, source_code text, name text, attributes jsonb, wkb text)
ORDER BY f.idx
