-- Outlines of audited cells as SVG path data, for the printable report's map (no script,
-- no tiles). Longitudes are scaled by cos(latitude) of the cells' centre so that a cell
-- keeps its shape in a flat drawing (an equirectangular view, fine at district scale);
-- ST_AsSVG writes y as -latitude, so north is up. Simplified at ~1/1000 of the extent:
-- invisible on A4, and it keeps a city's 5,000 cells small.
WITH picked AS (
    SELECT c.code, c.geom
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
      AND c.code = ANY (CAST(:codes AS text[]))
),
frame AS (
    SELECT ST_Extent(geom) AS box, cos(radians(ST_Y(ST_Centroid(ST_Extent(geom))))) AS k
    FROM picked
)
SELECT p.code,
       ST_AsSVG(ST_SimplifyPreserveTopology(ST_Scale(p.geom, f.k, 1),
                greatest(ST_XMax(f.box) - ST_XMin(f.box), ST_YMax(f.box) - ST_YMin(f.box))
                / 1000), 0, 6) AS path,
       ST_XMin(f.box) * f.k AS x0, -ST_YMax(f.box) AS y0,
       (ST_XMax(f.box) - ST_XMin(f.box)) * f.k AS width, ST_YMax(f.box) - ST_YMin(f.box)
           AS height
FROM picked AS p CROSS JOIN frame AS f
ORDER BY p.code
