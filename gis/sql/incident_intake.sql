-- A reported case and the first row of its log, in ONE statement: one round trip where the
-- ORM took three (the id, the case, the log row), and no ORM flush in between.
-- The id comes from incidents' own sequence (nextval: concurrent intakes never queue on a
-- counter row), so the case goes in with its final code, SJ<local day><id, 6 digits or
-- more>: no placeholder code for concurrent intakes to wait on in the unique index, and the
-- consoles' NOTIFY (tg_incidents_notify, sent at commit) carries the real code.
-- tg_incidents_chain runs as for any insert (the chain checked against the cell).
-- The log row's foreign key sees the case: RI checks run at the end of the statement.
-- geom: the reported point in EPSG:4326, the table's CRS (lon/lat already converted).
WITH new_case AS (
    INSERT INTO incidents (
        id, code, category_id, source, status, triage, level, department, title,
        description, geom, reported_at, updated_at, version, generation_id, cell_id,
        cell_code, village_code, town_code, district_code, building_id, address, media_url,
        external_ref, reporter, open311_token, attributes)
    SELECT n.id, 'SJ' || :day_code || lpad(n.id::text, greatest(6, length(n.id::text)), '0'),
           :category_id, :source, 'reported', :triage, 'village', :department, :title,
           :description, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
           :reported_at, :now, 1, :generation_id, :cell_id,
           :cell_code, :village_code, :town_code, :district_code, :building_id, :address,
           :media_url, :external_ref, CAST(:reporter AS jsonb), :open311_token,
           CAST(:attributes AS jsonb)
    FROM (SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id) AS n
    RETURNING id, code
)
INSERT INTO incident_transitions (incident_id, from_status, to_status, level, actor, at,
                                  action, role, note)
SELECT c.id, NULL, 'reported', 'village', :actor, :now, 'report', :role, :note
FROM new_case AS c
RETURNING incident_id AS id, (SELECT code FROM new_case) AS code
