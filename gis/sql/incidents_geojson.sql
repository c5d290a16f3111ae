-- Incidents as GeoJSON features for the map, filtered and keyset-paged by id (no OFFSET:
-- page N costs what page 1 costs). Row-level security limits rows to the caller's area.
-- The light is computed here from the stored deadlines (yellow_at, due_at were computed in
-- working time when the clock started), so filtering by light is one indexed scan plus a
-- comparison, with no calendar arithmetic per row. Geometry stays in EPSG:4326.
WITH lit AS (
    SELECT i.id, i.code, i.status, i.level, i.triage, i.department, i.reported_at, i.due_at,
           i.cell_code, i.title, i.geom, k.code AS category_code, k.name_zh AS category_zh, k.name_en AS category_en,
           CASE
               WHEN i.due_at IS NULL OR i.status NOT IN
                    ('registered', 'dispatched', 'handling', 'feedback', 'verified') THEN NULL
               WHEN CAST(:now AS timestamptz) >= i.due_at THEN 'red'
               WHEN i.yellow_at IS NOT NULL AND CAST(:now AS timestamptz) >= i.yellow_at
                   THEN 'yellow'
               ELSE 'green'
           END AS light
    FROM incidents AS i
    JOIN incident_categories AS k ON k.id = i.category_id
    WHERE i.id > :after
      AND (CAST(:statuses AS text[]) IS NULL OR i.status = ANY (CAST(:statuses AS text[])))
      -- a category code also selects its sub-categories (street_order -> street_order.vendor)
      AND (CAST(:category AS text) IS NULL OR k.code = CAST(:category AS text)
           OR k.code LIKE CAST(:category AS text) || '.%')
      -- the time window is half-open: since <= reported_at < until
      AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
      AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz))
      -- the map's view: an envelope in EPSG:4326, the column's CRS, so ix_incidents_geom
      -- (GiST) answers it
      AND (NOT :has_bbox OR i.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326))
)
SELECT id, code, status, level, triage, category_code, category_zh, category_en,
       department, light, reported_at, due_at, cell_code, title,
       CAST(ST_AsGeoJSON(geom, 7) AS json) AS geometry
FROM lit
WHERE CAST(:light AS text) IS NULL OR light = CAST(:light AS text)
ORDER BY id
LIMIT :limit
