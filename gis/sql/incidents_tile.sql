-- One Mapbox Vector Tile (layer "incidents") of the cases the caller may see, by the same
-- filters as the GeoJSON (incidents_geojson.sql): status, category (with its
-- sub-categories), light, reported-at window. Row-level security on incidents limits the
-- rows to the caller's area, as for every other read of the table.
-- Cases are chosen in EPSG:4326, the stored CRS, against the tile envelope transformed to
-- 4326 so that ix_incidents_geom (GiST) answers the && test; a Mercator tile is a lon/lat
-- rectangle, so the transformed envelope is exact. The margin (buffer / extent) keeps
-- points in the tile's buffer, as tiles_cells.sql does. Only the chosen points are
-- transformed to EPSG:3857 for ST_AsMVTGeom.
-- The light comes from the stored deadlines (yellow_at, due_at: working time was counted
-- when the clock started), so no calendar arithmetic runs per row.
-- Properties are plain values: numbers and text (times as ISO 8601 UTC text), no markup.
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile_3857,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS query_4326
),
lit AS (
    SELECT i.id, i.code, i.status, i.level, i.triage, i.department, i.reported_at, i.due_at,
           i.cell_code, i.title, i.geom, k.code AS category_code, k.name_zh AS category_zh,
           k.name_en AS category_en,
           CASE
               WHEN i.due_at IS NULL OR i.status NOT IN
                    ('registered', 'dispatched', 'handling', 'feedback', 'verified') THEN NULL
               WHEN CAST(:now AS timestamptz) >= i.due_at THEN 'red'
               WHEN i.yellow_at IS NOT NULL AND CAST(:now AS timestamptz) >= i.yellow_at
                   THEN 'yellow'
               ELSE 'green'
           END AS light
    FROM bounds AS b, incidents AS i
    JOIN incident_categories AS k ON k.id = i.category_id
    WHERE i.geom && b.query_4326
      AND (CAST(:statuses AS text[]) IS NULL OR i.status = ANY (CAST(:statuses AS text[])))
      -- a category code also selects its sub-categories (street_order -> street_order.vendor)
      AND (CAST(:category AS text) IS NULL OR k.code = CAST(:category AS text)
           OR k.code LIKE CAST(:category AS text) || '.%')
      -- the time window is half-open: since <= reported_at < until
      AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
      AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz))
),
features AS (
    SELECT l.id, l.code, l.status, l.level, l.triage, l.category_code, l.category_zh,
           l.category_en, l.department, l.light, l.cell_code, l.title,
           to_char(l.reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
               AS reported_at,
           to_char(l.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS due_at,
           ST_AsMVTGeom(ST_Transform(l.geom, 3857), b.tile_3857, :extent, :buffer, true)
               AS geom
    FROM lit AS l, bounds AS b
    WHERE CAST(:light AS text) IS NULL OR l.light = CAST(:light AS text)
)
SELECT ST_AsMVT(f.*, 'incidents', :extent, 'geom', 'id')
FROM features AS f
WHERE f.geom IS NOT NULL
