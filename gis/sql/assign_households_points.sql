-- The points of the households placed on their own (all, or the given ids), copied into
-- the temporary table own_points; used when row-level security applies to the caller
-- (the service's login; the owner, who runs `onegrid people assign`, bypasses it).
-- Why: under row-level security PostgreSQL must apply the policy before any operator that
-- is not LEAKPROOF, and PostGIS's && is not, so a join may no longer probe households'
-- GiST index (ix_households_own_geom) with each piece: it scans households and probes the
-- pieces once per household (~1 s for the district's 100,000, against 0.13 s). The copy
-- passes the policy once, on a sequential scan; the caller then gives it a GiST index
-- (EPSG:4326 like the pieces) and ANALYZEs it, and assign_households_hits_staged.sql joins
-- it the fast way.
CREATE TEMPORARY TABLE own_points ON COMMIT DROP AS
SELECT h.id, h.geom
FROM households AS h
WHERE (h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL)
  AND h.geom IS NOT NULL
  AND (CAST(:household_ids AS bigint[]) IS NULL
       OR h.id = ANY (CAST(:household_ids AS bigint[])))
