-- One Mapbox Vector Tile of the regions of one level (layer "towns" or "villages"), with
-- the households of the generation's cells inside each, for a choropleth; and the
-- generation it shows. One statement, like tiles_cells.sql (the generation, the caller's
-- area and the tile in one round trip).
-- Regions are chosen in EPSG:4326 (stored CRS, GiST index on regions.geom) against the
-- Mercator tile envelope transformed to 4326, which is exact for a Web Mercator tile; see
-- tiles_cells.sql. Households are counted once per village and summed for towns
-- (a town's code shares its first 9 digits with its villages).
WITH generation AS (
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
bounds AS (
    SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer),
                           CAST(:y AS integer)) AS tile_3857,
           ST_Transform(ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer),
                                        CAST(:y AS integer),
                                        margin => CAST(:margin AS float8)), 4326) AS query_4326
),
selected AS MATERIALIZED (
    SELECT r.code, r.name, r.parent_code, r.urban, r.geom
    FROM regions AS r, bounds AS b
    WHERE r.level = CAST(:level AS text) AND r.geom && b.query_4326
),
village_cells AS MATERIALIZED (
    SELECT c.id, c.village_code
    FROM grid_cells AS c, generation AS g
    WHERE c.generation_low <= g.id
      AND (c.generation_high IS NULL OR c.generation_high >= g.id)
      AND EXISTS (SELECT 1 FROM selected AS s
                  WHERE left(c.village_code, CAST(:prefix AS integer))
                        = left(s.code, CAST(:prefix AS integer)))
),
counts AS MATERIALIZED (
    -- cell_rollups (kept current by the writes), one primary-key probe per cell, through
    -- onegrid_scoped_cell_households (0028_tile_path), called once: under row-level
    -- security only the caller's cells count
    SELECT n.cell_id, n.households
    FROM onegrid_scoped_cell_households(
        CAST(:scope_all AS text), CAST(:scope_prefixes AS text), CAST(:scope_cells AS text),
        ARRAY(SELECT v.id FROM village_cells AS v)) AS n
),
per_village AS (
    SELECT v.village_code, sum(coalesce(n.households, 0)) AS households
    FROM village_cells AS v
    LEFT JOIN counts AS n ON n.cell_id = v.id
    GROUP BY v.village_code
),
features AS (
    -- not materialized: each row goes straight into ST_AsMVT, which skips a row whose
    -- geometry ST_AsMVTGeom dropped (NULL: outside the tile or under a pixel), adds
    -- nothing of it to the layer, and returns an empty bytea when no row is left, so
    -- ST_AsMVTGeom runs once per feature with no filter and no stored copy of the rows
    SELECT s.code::text AS code, s.name, s.parent_code::text AS parent_code, s.urban,
           (SELECT coalesce(sum(v.households), 0)::bigint FROM per_village AS v
            WHERE left(v.village_code, CAST(:prefix AS integer))
                  = left(s.code, CAST(:prefix AS integer))) AS households,
           ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.tile_3857, CAST(:extent AS integer),
                        CAST(:buffer AS integer), true) AS geom
    FROM selected AS s, bounds AS b
)
SELECT (SELECT g.id FROM generation AS g) AS generation_id,
       (SELECT ST_AsMVT(f.*, CAST(:layer AS text), CAST(:extent AS integer), 'geom')
        FROM features AS f) AS tile
