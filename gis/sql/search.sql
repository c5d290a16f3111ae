-- What a user typed into the map's search box, as places with a location (EPSG:4326).
-- One statement, one branch per kind, each branch capped at :limit rows:
--   cells of the generation, by code prefix or name; regions (district/town/village),
--   by code prefix or name, when :with_regions; and, only when :with_people,
--   buildings by code or address and households by number (external_id prefix) or address.
-- :prefix is the query with LIKE wildcards escaped plus '%', :contains is '%' || it || '%'.
-- Area: :scope_all, or cell codes LIKE one of :scope_patterns (a region's prefix || '%',
-- or a whole cell code; gis/auth/scope.py); households are also under row-level security.
-- :area_prefix ('' = anywhere) narrows every kind to one region's subtree.
-- Locations are ST_PointOnSurface (inside the polygon, unlike a centroid of a U shape).
-- Indexes (0021_mapui): codes and numbers by prefix through pattern-ops btrees, names and
-- addresses through trigram GIN indexes; each branch stops at :limit rows.
WITH found_cells AS (
    SELECT 'cell' AS kind, c.code::text AS code, coalesce(c.name, '') AS name,
           c.code::text AS cell_code, ST_PointOnSurface(c.geom) AS at
    FROM grid_cells AS c
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
      AND (c.code LIKE :prefix OR c.name ILIKE :contains)
      AND c.code LIKE :area_prefix || '%'
      AND (:scope_all OR c.code LIKE ANY (CAST(:scope_patterns AS text[])))
    ORDER BY c.code
    LIMIT :limit
), found_regions AS (
    SELECT r.level AS kind, r.code::text AS code, r.name, NULL::text AS cell_code,
           ST_PointOnSurface(r.geom) AS at
    FROM regions AS r
    WHERE :with_regions
      AND (r.code LIKE :prefix OR r.name ILIKE :contains)
      AND r.code LIKE :area_prefix || '%'
    ORDER BY r.code
    LIMIT :limit
), found_buildings AS (
    SELECT 'building' AS kind, coalesce(b.code, b.id::text) AS code, b.address AS name,
           c.code::text AS cell_code, ST_PointOnSurface(b.geom) AS at
    FROM buildings AS b
    JOIN building_cells AS bc ON bc.building_id = b.id
    JOIN grid_cells AS c ON c.id = bc.cell_id
    WHERE :with_people
      AND (b.code LIKE :prefix OR b.address ILIKE :contains)
      AND c.code LIKE :area_prefix || '%'
      AND (:scope_all OR c.code LIKE ANY (CAST(:scope_patterns AS text[])))
    ORDER BY b.id
    LIMIT :limit
), found_households AS (
    -- household_cells: the cell of a household however placed (own point or building).
    -- Asked per matching household (LATERAL, LIMIT 1: one index probe per branch of the
    -- view); a plain join on the view would make PostgreSQL read all its households.
    SELECT 'household' AS kind, coalesce(h.external_id, h.id::text) AS code,
           coalesce(h.address, '') AS name, c.code::text AS cell_code,
           coalesce(h.geom, ST_PointOnSurface(b.geom)) AS at
    FROM households AS h
    CROSS JOIN LATERAL (SELECT hc.cell_id FROM household_cells AS hc
                        WHERE hc.household_id = h.id LIMIT 1) AS placed
    JOIN grid_cells AS c ON c.id = placed.cell_id
    LEFT JOIN buildings AS b ON b.id = h.building_id
    WHERE :with_people
      AND (h.external_id LIKE :prefix OR h.address ILIKE :contains)
      AND c.code LIKE :area_prefix || '%'
      AND (:scope_all OR c.code LIKE ANY (CAST(:scope_patterns AS text[])))
    ORDER BY h.id
    LIMIT :limit
), found AS (
    SELECT * FROM found_cells UNION ALL SELECT * FROM found_regions
    UNION ALL SELECT * FROM found_buildings UNION ALL SELECT * FROM found_households
)
SELECT kind, code, name, cell_code, ST_X(at) AS lon, ST_Y(at) AS lat
FROM found
WHERE at IS NOT NULL
