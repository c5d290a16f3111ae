-- Point -> generation, cell and region chain in ONE statement (the /locate fast path).
-- It answers exactly what generations.resolve_generation + locate_cell.sql +
-- locate_regions.sql answer together, in one round trip, so it can run as a prepared
-- statement on an asyncpg pool. Binds are CAST so that asyncpg can infer their types
-- (a bare bind compared with NULL has no type); CAST() rather than the double-colon
-- form, which SQLAlchemy's text() can misread as part of the bind name.
WITH point AS (
    -- Built in EPSG:4326, the tables' CRS: no transform hides the GiST indexes.
    SELECT ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326) AS geom
),
generation AS (
    -- ?generation=ID, else ?at=DATE (the newest in force then), else the active one.
    -- grid_generations holds a handful of rows: no index decision to make.
    SELECT g.id
    FROM grid_generations AS g
    WHERE CASE
        WHEN CAST(:generation_id AS integer) IS NOT NULL
            THEN g.id = CAST(:generation_id AS integer)
        WHEN CAST(:at AS date) IS NOT NULL
            THEN g.status IN ('active', 'retired')
                 AND g.effective_from <= CAST(:at AS date)
                 AND (g.effective_to IS NULL OR g.effective_to >= CAST(:at AS date))
        ELSE g.status = 'active'
    END
    ORDER BY g.id DESC
    LIMIT 1
),
cell AS (
    -- ST_Covers (not ST_Contains) on the subdivided pieces: a point exactly on a shared
    -- edge is covered by both neighbours and ORDER BY code picks the same one every time.
    -- The pieces' GiST index answers the bbox part.
    SELECT c.id, c.code, c.name, c.kind
    FROM point, generation, grid_cell_pieces AS p
    JOIN grid_cells AS c ON c.id = p.cell_id
    WHERE ST_Covers(p.geom, point.geom)
      AND c.generation_low <= generation.id
      AND (c.generation_high IS NULL OR c.generation_high >= generation.id)
    ORDER BY c.code
    LIMIT 1
),
chain AS (
    -- One region per level; on a shared boundary the highest code of that level, the
    -- rule locate_regions.sql + service.locate apply. Regions are few and GiST-indexed.
    SELECT DISTINCT ON (r.level) r.level, btrim(r.code) AS code, r.name
    FROM point, regions AS r
    WHERE ST_Covers(r.geom, point.geom)
    ORDER BY r.level, r.code DESC
)
SELECT
    (SELECT id FROM generation) AS generation_id,
    cell.id AS cell_id, cell.code AS cell_code, cell.name AS cell_name, cell.kind AS cell_kind,
    (SELECT code FROM chain WHERE level = 'village') AS village_code,
    (SELECT name FROM chain WHERE level = 'village') AS village_name,
    (SELECT code FROM chain WHERE level = 'town') AS town_code,
    (SELECT name FROM chain WHERE level = 'town') AS town_name,
    (SELECT code FROM chain WHERE level = 'district') AS district_code,
    (SELECT name FROM chain WHERE level = 'district') AS district_name
FROM (SELECT 1) AS one
LEFT JOIN cell ON true
