-- Staffing by month, from assignment history: for the last :months months, on each month's
-- last day (today for the current month), how many of today's cells (audit_cells, the
-- temporary table of this audit) had their grid head and full-time worker(s), and the
-- vacancies against the minimums. Today's cells and households are the yardstick; only
-- the postings change with time (staff.active is a current flag, so it is not applied).
WITH months AS (
    SELECT (date_trunc('month', CAST(:today AS date)) - make_interval(months => n))::date
               AS month_start
    FROM generate_series(0, :months - 1) AS n
),
days AS (
    SELECT month_start,
           least((month_start + interval '1 month' - interval '1 day')::date,
                 CAST(:today AS date)) AS on_day
    FROM months
),
posts AS (
    SELECT d.month_start, a.cell_code, a.role_code, a.staff_id
    FROM days AS d
    JOIN staff_assignments AS a
      ON a.valid_from <= d.on_day AND (a.valid_to IS NULL OR a.valid_to >= d.on_day)
    WHERE a.cell_code IN (SELECT code FROM audit_cells)
      AND a.role_code IN ('grid_head', 'fulltime_worker')
),
per_cell AS (
    SELECT d.month_start, c.code,
           count(DISTINCT p.staff_id) FILTER (WHERE p.role_code = 'grid_head') AS grid_heads,
           count(DISTINCT p.staff_id) FILTER (WHERE p.role_code = 'fulltime_worker')
               AS fulltime_workers
    FROM days AS d CROSS JOIN audit_cells AS c
    LEFT JOIN posts AS p ON p.month_start = d.month_start AND p.cell_code = c.code
    GROUP BY d.month_start, c.code
)
SELECT to_char(month_start, 'YYYY-MM') AS month, count(*) AS cells,
       count(*) FILTER (WHERE grid_heads >= :min_grid_heads) AS cells_with_grid_head,
       count(*) FILTER (WHERE fulltime_workers >= :min_fulltime) AS cells_with_fulltime,
       sum(fulltime_workers) AS fulltime_workers,
       sum(greatest(:min_grid_heads - grid_heads, 0)
           + greatest(:min_fulltime - fulltime_workers, 0)) AS vacancies
FROM per_cell
GROUP BY month_start
ORDER BY month_start
