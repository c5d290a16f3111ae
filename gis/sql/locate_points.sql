-- Points -> generation, cell and region chain, for a batch of points in ONE statement (the
-- /locate fast path; gis.grid.locate_async coalesces concurrent lookups into one batch).
-- It resolves the generation (as generations.resolve_generation does), each point's cell
-- and its regions in one round trip, so it runs as a prepared statement on an asyncpg
-- pool. Binds are CAST so that asyncpg can infer their types (a bare bind compared with
-- NULL has no type); CAST() rather than the double-colon form, which SQLAlchemy's text()
-- can misread as part of the bind name.
WITH asked AS (
    -- Built in EPSG:4326, the tables' CRS: no transform hides the GiST indexes.
    SELECT a.n, ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326) AS geom
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
         WITH ORDINALITY AS a (lon, lat, n)
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
located AS (
    SELECT a.n, a.geom, cell.id, cell.code, cell.name, cell.kind, cell.village_code
    FROM asked AS a
    LEFT JOIN LATERAL (
        -- ST_Covers (not ST_Contains): a point exactly on a shared edge is covered by
        -- both neighbours and ORDER BY code picks the same one every time. The pieces'
        -- GiST index finds the candidates (&&), point by point; the test is on the whole
        -- cell, because a cut of ST_Subdivide adds vertices a hair off the cell's edge.
        SELECT c.id, c.code, c.name, c.kind, c.village_code
        FROM generation, grid_cell_pieces AS p
        JOIN grid_cells AS c ON c.id = p.cell_id
        WHERE p.geom && a.geom AND ST_Covers(c.geom, a.geom)
          AND c.generation_low <= generation.id
          AND (c.generation_high IS NULL OR c.generation_high >= generation.id)
        ORDER BY c.code
        LIMIT 1
    ) AS cell ON true
)
SELECT
    l.n,
    (SELECT id FROM generation) AS generation_id,
    l.id AS cell_id, l.code AS cell_code, l.name AS cell_name, l.kind AS cell_kind,
    chain.village_code, chain.village_name, chain.town_code, chain.town_name,
    chain.district_code, chain.district_name
FROM located AS l
LEFT JOIN LATERAL (
    SELECT max(r.code) FILTER (WHERE r.level = 'village') AS village_code,
           max(r.name) FILTER (WHERE r.level = 'village') AS village_name,
           max(r.code) FILTER (WHERE r.level = 'town') AS town_code,
           max(r.name) FILTER (WHERE r.level = 'town') AS town_name,
           max(r.code) FILTER (WHERE r.level = 'district') AS district_code,
           max(r.name) FILTER (WHERE r.level = 'district') AS district_name
    FROM (
        -- With a cell: its own village (a cell belongs to exactly one) and that village's
        -- town and district, found by code through the unique index (the hierarchy CHECK
        -- of regions makes the parents' codes prefixes; the codes are cast back to
        -- char(12), regions.code's type, or the index is not used). So the answer never
        -- names a cell of one village and another village, even on a village boundary,
        -- and no large region polygon is tested point-in-polygon on the hottest read.
        SELECT r.level, btrim(r.code) AS code, r.name
        FROM regions AS r
        WHERE l.id IS NOT NULL
          AND r.code IN (l.village_code,
                         CAST(left(l.village_code, 9) || '000' AS char(12)),
                         CAST(left(l.village_code, 6) || '000000' AS char(12)))
        UNION ALL
        -- Without a cell (outside the grid, or no cell drawn there yet): the regions that
        -- cover the point, one per level; on a shared boundary the highest code of the
        -- level. Regions are few and GiST-indexed in EPSG:4326.
        (SELECT DISTINCT ON (r.level) r.level, btrim(r.code) AS code, r.name
         FROM regions AS r
         WHERE l.id IS NULL AND ST_Covers(r.geom, l.geom)
         ORDER BY r.level, r.code DESC)
    ) AS r
) AS chain ON true
ORDER BY l.n
