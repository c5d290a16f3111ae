-- Probable duplicates of a new report: open cases of the same category within :radius_m
-- metres and :hours hours of it (FixMyStreet's duplicate suggestions, nearest first).
-- The distance is on the spheroid (geography) so metres mean metres at any latitude; the
-- ST_Expand'ed box in EPSG:4326 (the table's CRS) lets the GiST index ix_incidents_geom
-- answer the coarse part: 1 degree of latitude is ~111 km, and of longitude never less
-- than ~111 km * cos(56 deg) across China, so :radius_m / 55000 degrees always covers it.
SELECT i.id, i.code, i.status, i.reported_at,
       ST_Distance(i.geom::geography, p.geom::geography) AS distance_m
FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) AS p
JOIN incidents AS i
  ON i.geom && ST_Expand(p.geom, CAST(:radius_m AS float8) / 55000.0)
 AND ST_DWithin(i.geom::geography, p.geom::geography, CAST(:radius_m AS float8))
WHERE i.category_id = :category_id
  AND i.id <> :incident_id
  AND i.status IN ('reported', 'registered', 'dispatched', 'handling', 'feedback', 'verified')
  AND i.duplicate_of IS NULL
  AND i.reported_at BETWEEN CAST(:reported_at AS timestamptz) - make_interval(secs => :hours * 3600)
                        AND CAST(:reported_at AS timestamptz) + make_interval(secs => :hours * 3600)
ORDER BY distance_m, i.id
LIMIT 5
