-- The impact of one edit of a draft, computed inside the edit's savepoint (after the edit
-- is written, before it is rolled back; gis/grid/impact.py): which households and open
-- cases change cell, and each changed cell's households, persons and special populations
-- before and after. Set-based: one statement, whatever the number of people.
--
-- :before_codes/:before_wkbs are the changed codes' shapes before the edit (EPSG:4326 WKB;
-- a code the edit added has none); :changed_codes every code the edit changed. Their
-- shapes after the edit are the draft's rows now. Cells the edit did not change are the
-- same before and after: a point also covered by one of them is in the lowest code of all
-- that cover it, the rule of locate_points.sql.
--
-- Candidates are only the points inside a changed cell, before or after: found by the
-- GiST indexes (ix_buildings_spot, ix_households_own_geom, ix_incidents_geom) with &&,
-- decided by ST_Covers, all in EPSG:4326, the tables' CRS (no transform, so the indexes
-- apply). A household is where its building's spot is (located_by 'building'), else at
-- its own point (the predicate of the partial index ix_households_own_geom).
WITH before_changed AS MATERIALIZED (
    SELECT s.code, ST_GeomFromWKB(s.wkb, 4326) AS geom
    FROM unnest(CAST(:before_codes AS text[]), CAST(:before_wkbs AS bytea[])) AS s(code, wkb)
),
after_changed AS MATERIALIZED (
    SELECT btrim(c.code) AS code, c.geom
    FROM grid_cells AS c
    WHERE c.code = ANY (CAST(:changed_codes AS char(15)[]))
      AND c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
changed_shapes AS MATERIALIZED (
    SELECT geom FROM before_changed UNION ALL SELECT geom FROM after_changed
),
points AS MATERIALIZED (
    SELECT DISTINCT ON (kind, id) kind, id, geom
    FROM (
        SELECT 'household' AS kind, h.id, b.spot AS geom
        FROM changed_shapes AS s
        JOIN buildings AS b ON b.spot && s.geom AND ST_Covers(s.geom, b.spot)
        JOIN households AS h ON h.building_id = b.id AND h.located_by = 'building'
        UNION ALL
        SELECT 'household', h.id, h.geom
        FROM changed_shapes AS s
        JOIN households AS h ON h.geom && s.geom AND ST_Covers(s.geom, h.geom)
        WHERE h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL
        UNION ALL
        SELECT 'case', i.id, i.geom
        FROM changed_shapes AS s
        JOIN incidents AS i ON i.geom && s.geom AND ST_Covers(s.geom, i.geom)
        WHERE i.status IN ('reported', 'registered', 'dispatched', 'handling', 'feedback',
                           'verified')  -- gis/incidents/workflow.py OPEN
    ) AS found
    ORDER BY kind, id
),
located AS MATERIALIZED (
    SELECT p.kind, p.id, p.geom,
           least((SELECT min(b.code) FROM before_changed AS b WHERE ST_Covers(b.geom, p.geom)),
                 unchanged.code) AS before_code,
           least((SELECT min(a.code) FROM after_changed AS a WHERE ST_Covers(a.geom, p.geom)),
                 unchanged.code) AS after_code
    FROM points AS p
    LEFT JOIN LATERAL (
        -- an unchanged cell covering the point (ix_grid_cells_geom)
        SELECT btrim(c.code) AS code
        FROM grid_cells AS c
        WHERE c.geom && p.geom AND ST_Covers(c.geom, p.geom)
          AND c.generation_low <= :generation_id
          AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
          AND NOT (c.code = ANY (CAST(:changed_codes AS char(15)[])))
        ORDER BY c.code
        LIMIT 1
    ) AS unchanged ON true
),
homes AS MATERIALIZED (
    -- each candidate household with its persons and current special-population records,
    -- one index probe each (ix_persons_household, ix_special_population_person):
    -- correlated, so that the planner, which cannot estimate `located`, neither scans
    -- persons or records nor joins CTEs row by row (under row-level security a
    -- misestimated join took ~3 s on the district demo, a CTE nested loop 0.3 s on the city)
    SELECT l.id, l.before_code, l.after_code,
           (SELECT count(*) FROM persons AS pe WHERE pe.household_id = l.id) AS persons,
           (SELECT count(*) FROM persons AS pe
            JOIN special_population_records AS r ON r.person_id = pe.id
            WHERE pe.household_id = l.id
              AND (r.end_date IS NULL OR r.end_date >= current_date)) AS special
    FROM located AS l
    WHERE l.kind = 'household'
),
codes AS MATERIALIZED (
    -- the cells whose area changed: a neighbour that only gained a vertex or lost a
    -- sliver one grid step wide where the new edge meets it (rounding to the 1e-7 degree
    -- grid, gis/grid/coverage.py) is written with the edit but is not shown; 1e-9 square
    -- degrees is about 10 m2 (EPSG:4326 at China's latitudes). Points in such a sliver
    -- still count in the moves.
    SELECT coalesce(b.code, a.code) AS code
    FROM before_changed AS b FULL JOIN after_changed AS a ON a.code = b.code
    WHERE b.geom IS NULL OR a.geom IS NULL
       OR ST_Area(ST_SymDifference(b.geom, a.geom)) > 1e-9
),
balances AS (
    SELECT c.code,
           count(h.id) FILTER (WHERE h.before_code = c.code) AS households_before,
           coalesce(sum(h.persons) FILTER (WHERE h.before_code = c.code), 0) AS persons_before,
           coalesce(sum(h.special) FILTER (WHERE h.before_code = c.code), 0) AS special_before,
           count(h.id) FILTER (WHERE h.after_code = c.code) AS households_after,
           coalesce(sum(h.persons) FILTER (WHERE h.after_code = c.code), 0) AS persons_after,
           coalesce(sum(h.special) FILTER (WHERE h.after_code = c.code), 0) AS special_after,
           EXISTS (SELECT 1 FROM after_changed AS a WHERE a.code = c.code) AS exists_after
    FROM codes AS c
    LEFT JOIN homes AS h ON c.code IN (h.before_code, h.after_code)
    GROUP BY c.code
),
moved AS MATERIALIZED (
    SELECT l.kind, l.id, l.before_code, l.after_code, l.geom
    FROM located AS l
    WHERE l.before_code IS DISTINCT FROM l.after_code
)
SELECT
    (SELECT coalesce(json_agg(b ORDER BY b.code), '[]') FROM balances AS b) AS cells,
    (SELECT json_build_object(
        'households', count(*), 'persons', coalesce(sum(h.persons), 0),
        'special_populations', coalesce(sum(h.special), 0),
        'open_cases', (SELECT count(*) FROM moved WHERE kind = 'case'))
     FROM homes AS h WHERE h.before_code IS DISTINCT FROM h.after_code
    ) AS moves,
    (SELECT count(*) FROM staff_assignments AS sa
     -- the codes the edit removed (a merge): their assignments must move; by the index on
     -- staff_assignments (cell_code)
     WHERE sa.cell_code = ANY (CAST(ARRAY(SELECT code FROM before_changed
                                          EXCEPT SELECT code FROM after_changed)
                                    AS char(15)[]))
       AND (sa.valid_to IS NULL OR sa.valid_to >= current_date)) AS staff_assignments,
    (SELECT coalesce(json_agg(json_build_object(
                'type', 'Feature', 'geometry', ST_AsGeoJSON(x.geom, 7)::json,
                'properties', json_build_object('kind', x.kind, 'id', x.id,
                                                'from', x.before_code, 'to', x.after_code))
            ORDER BY x.kind DESC, x.id), '[]')
     FROM (SELECT * FROM moved ORDER BY kind DESC, id LIMIT :moved_limit) AS x) AS moved,
    (SELECT count(*) FROM moved) AS moved_count,
    (SELECT coalesce(json_agg(json_build_object(
                'type', 'Feature', 'geometry', ST_AsGeoJSON(a.geom, 7)::json,
                'properties', json_build_object('code', a.code)) ORDER BY a.code), '[]')
     FROM after_changed AS a WHERE a.code IN (SELECT code FROM codes)) AS shapes
