-- Workload from cases, one statement for every level the audit reports: per cell, per
-- district (6-digit code prefix), town (9) and village (12), per assigned worker, and the
-- whole audited area, as GROUPING SETS over one pass of the cases. The cells are those of
-- this audit (audit_cells, the temporary table of audit_staffing_cells.sql, same
-- transaction); a case belongs to the cell whose stable code it was located in
-- (incidents.cell_code, kept by the chain trigger), so a case located under an older
-- generation stays with its cell. Cases without a cell are in no cell's workload.
-- Row-level security on incidents keeps the caller to their area as everywhere else.
--
-- Definitions (the same as the console's light, gis/incidents/timers.py):
--   open      the case is not finished: reported .. verified;
--   overdue   its clock runs (registered .. verified) and due_at <= :now (the red light);
--   received  dispatched within the window [:window_start, :now] (the clock started:
--             the case reached a worker), not merged, rejected or cancelled since;
--   closed    of those received, closed (closed or evaluated) by now;
--   time to close  dispatch -> close, in hours, of the cases closed within the window
--             (median: percentile_cont, a half-way value for an even count).
-- The incidents are few (a case per ~30 households a quarter): one scan, hashed against
-- audit_cells by code, is cheaper than probing ix_incidents_cell per cell.
WITH cases AS (
    SELECT i.cell_code, i.assigned_staff_id,
           i.status IN ('reported', 'registered', 'dispatched', 'handling', 'feedback',
                        'verified') AS is_open,
           (i.status IN ('registered', 'dispatched', 'handling', 'feedback', 'verified')
            AND i.due_at <= :now) AS is_overdue,
           (i.dispatched_at >= :window_start AND i.dispatched_at <= :now
            AND i.status NOT IN ('merged', 'rejected', 'cancelled')) AS is_received,
           i.status IN ('closed', 'evaluated') AS is_closed,
           CASE WHEN i.status IN ('closed', 'evaluated')
                     AND i.closed_at >= :window_start AND i.closed_at <= :now
                THEN extract(epoch FROM i.closed_at - i.dispatched_at) / 3600.0
           END AS hours_to_close
    FROM incidents AS i
    JOIN audit_cells AS c ON c.code = i.cell_code
),
grouped AS (
    SELECT GROUPING(cell_code, left(cell_code, 6), left(cell_code, 9), left(cell_code, 12),
                    assigned_staff_id) AS grouping_bits,
           cell_code, left(cell_code, 6) AS district, left(cell_code, 9) AS town,
           left(cell_code, 12) AS village, assigned_staff_id,
           count(*) FILTER (WHERE is_open) AS open_cases,
           count(*) FILTER (WHERE is_overdue) AS overdue_cases,
           count(*) FILTER (WHERE is_received) AS received_cases,
           count(*) FILTER (WHERE is_received AND is_closed) AS closed_cases,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_close)::numeric, 1)
               AS median_hours_to_close,
           array_agg(DISTINCT cell_code ORDER BY cell_code) AS case_cells
    FROM cases
    GROUP BY GROUPING SETS ((cell_code), (left(cell_code, 6)), (left(cell_code, 9)),
                            (left(cell_code, 12)), (assigned_staff_id), ())
)
-- grouping_bits: 1 marks an expression not grouped on, in the order of GROUPING's
-- arguments (cell, district, town, village, worker; the cell is the highest bit).
SELECT CASE grouping_bits WHEN 15 THEN 'cell' WHEN 23 THEN 'district' WHEN 27 THEN 'town'
                          WHEN 29 THEN 'village' WHEN 30 THEN 'worker' ELSE 'total' END
           AS level,
       CASE grouping_bits WHEN 15 THEN cell_code
                          WHEN 23 THEN rpad(district, 12, '0')
                          WHEN 27 THEN rpad(town, 12, '0')
                          WHEN 29 THEN rpad(village, 12, '0')
                          WHEN 30 THEN CAST(assigned_staff_id AS text) END AS code,
       g.assigned_staff_id AS staff_id, s.name,
       g.open_cases, g.overdue_cases, g.received_cases, g.closed_cases,
       round(g.closed_cases::numeric / nullif(g.received_cases, 0), 3) AS closure_rate,
       g.median_hours_to_close, g.case_cells
FROM grouped AS g
-- staff names under row-level security: a worker posted outside the caller's area shows
-- with their id and no name
LEFT JOIN staff AS s ON grouping_bits = 30 AND s.id = g.assigned_staff_id
-- the worker group of cases nobody was assigned is not a worker
WHERE NOT (grouping_bits = 30 AND g.assigned_staff_id IS NULL)
