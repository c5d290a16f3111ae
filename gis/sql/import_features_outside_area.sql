-- Which features of an import lie outside the importer's area (gis/ingest/area.py).
-- The area: the stored boundaries of the caller's region scopes and the cells of its cell
-- scopes in the active generation (:generation_id NULL: none), unioned. Everything is
-- EPSG:4326: imported geometries are transformed to it before this check, like the
-- tables. The area is small (one scope), so no index is needed for the features.
-- A feature is inside when no more than :share of it lies outside (of its area for
-- polygons, of its length for lines; points must be covered): boundaries drawn by
-- different departments never match vertex for vertex, a sliver across the edge is not
-- another area's feature.
WITH area AS (
    SELECT ST_Union(parts.geom) AS geom
    FROM (
        SELECT r.geom FROM regions AS r WHERE r.code = ANY(CAST(:region_codes AS text[]))
        UNION ALL
        SELECT c.geom FROM grid_cells AS c
        WHERE c.code = ANY(CAST(:cell_codes AS text[]))
          AND c.generation_low <= :generation_id
          AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
    ) AS parts
),
features AS (
    SELECT f.idx, ST_GeomFromWKB(decode(f.wkb, 'hex'), 4326) AS geom
    FROM unnest(CAST(:indexes AS integer[]), CAST(:wkbs AS text[])) AS f(idx, wkb)
)
SELECT f.idx
FROM features AS f CROSS JOIN area AS a
WHERE a.geom IS NULL
   OR NOT ST_Intersects(a.geom, f.geom)
   OR CASE ST_Dimension(f.geom)
          WHEN 2 THEN ST_Area(ST_Difference(f.geom, a.geom)) > :share * ST_Area(f.geom)
          WHEN 1 THEN ST_Length(ST_Difference(f.geom, a.geom)) > :share * ST_Length(f.geom)
          ELSE NOT ST_Covers(a.geom, f.geom)
      END
ORDER BY f.idx
