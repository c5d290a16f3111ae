-- Point -> the cell of one generation that covers it.
-- ST_Covers (not ST_Contains) on the subdivided pieces: a point exactly on a shared edge
-- is covered by both neighbours, and ORDER BY code picks the same one every time.
-- The pieces' GiST index answers the bbox part; the point is built in EPSG:4326,
-- the table's CRS, so no transform hides the index.
SELECT c.id, c.code, c.name, c.kind, c.village_code
FROM grid_cell_pieces AS p
JOIN grid_cells AS c ON c.id = p.cell_id
WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
  AND c.generation_low <= :generation_id
  AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
ORDER BY c.code
LIMIT 1
