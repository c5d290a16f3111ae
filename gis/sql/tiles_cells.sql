-- One Mapbox Vector Tile (layer "cells") of the cells valid in a generation, with their
-- household counts and density for a choropleth; and the generation it shows.
-- ONE statement, so that the tile lane (api/tile_lane.py) answers a request in one round
-- trip on the asyncpg pool: it resolves the generation (as resolve_generation does) and
-- applies the caller's area (the scope binds; NULL: the transaction's own) itself.
-- Counts come from cell_rollups (kept current by the writes), one primary-key probe per
-- cell, read through onegrid_scoped_cell_households (migration 0028_tile_path), which
-- applies the area first: under row-level security only the caller's cells show a count,
-- other cells read 0. Households are never read here.
-- The tile is cut in Web Mercator (ST_TileEnvelope is EPSG:3857), but cells are chosen in
-- EPSG:4326, the stored CRS, against the envelope transformed to 4326: the && test then
-- runs on grid_cells.geom and its GiST index is used (ST_Transform(geom, 3857) && tile would
-- hide the index and transform every cell). A Mercator tile is also a lon/lat rectangle
-- (x depends on lon only, y on lat only), so the transformed envelope is exact; the
-- margin (buffer / extent) keeps cells that only reach into the tile's buffer.
-- Binds are CAST so that asyncpg can infer their types (see locate_points.sql).
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
    SELECT c.id, c.code, c.name, c.kind, c.dedicated_type, c.village_code, c.area_m2, c.geom
    FROM grid_cells AS c, bounds AS b, generation AS g
    WHERE c.geom && b.query_4326
      AND c.generation_low <= g.id
      AND (c.generation_high IS NULL OR c.generation_high >= g.id)
),
counts AS MATERIALIZED (
    -- called once: the ids of the tile's cells as one array
    SELECT n.cell_id, n.households
    FROM onegrid_scoped_cell_households(
        CAST(:scope_all AS text), CAST(:scope_prefixes AS text), CAST(:scope_cells AS text),
        ARRAY(SELECT s.id FROM selected AS s)) AS n
),
features AS (
    -- not materialized: each row goes straight into ST_AsMVT, which skips a row whose
    -- geometry ST_AsMVTGeom dropped (NULL: outside the tile or under a pixel), adds
    -- nothing of it to the layer, and returns an empty bytea when no row is left, so
    -- ST_AsMVTGeom runs once per feature with no filter and no stored copy of the rows
    SELECT s.code::text AS code, s.name, s.kind, s.dedicated_type,
           s.village_code::text AS village_code, round(s.area_m2)::bigint AS area_m2,
           coalesce(n.households, 0) AS households,
           round((coalesce(n.households, 0) / nullif(s.area_m2 / 1e6, 0))::numeric, 1)::float
               AS households_per_km2,
           ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.tile_3857, CAST(:extent AS integer),
                        CAST(:buffer AS integer), true) AS geom
    FROM selected AS s
    CROSS JOIN bounds AS b
    LEFT JOIN counts AS n ON n.cell_id = s.id
)
SELECT (SELECT g.id FROM generation AS g) AS generation_id,
       (SELECT ST_AsMVT(f.*, 'cells', CAST(:extent AS integer), 'geom')
        FROM features AS f) AS tile
