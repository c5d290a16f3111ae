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
-- Posts per month and cell, for the cells that have any: one pass over the assignments of
-- the audited cells joined to the 12 month-end days in memory. (Crossing every cell with
-- every month first, then probing assignments per pair, was 12,000 index probes.)
posts AS (
    SELECT d.month_start, a.cell_code,
           count(DISTINCT a.staff_id) FILTER (WHERE a.role_code = 'grid_head') AS grid_heads,
           count(DISTINCT a.staff_id) FILTER (WHERE a.role_code = 'fulltime_worker')
               AS fulltime_workers
    FROM staff_assignments AS a
    JOIN audit_cells AS c ON c.code = a.cell_code
    JOIN days AS d
      ON a.valid_from <= d.on_day AND (a.valid_to IS NULL OR a.valid_to >= d.on_day)
    WHERE a.role_code IN ('grid_head', 'fulltime_worker')
    GROUP BY d.month_start, a.cell_code
),
-- Cells with no post that month are absent above: they meet a minimum only if it is 0,
-- and their vacancies are the whole minimum (so vacancies = cells x minimum - posts filled
-- up to the minimum).
per_month AS (
    SELECT d.month_start,
           count(p.cell_code) FILTER (WHERE p.grid_heads >= :min_grid_heads) AS heads_ok,
           count(p.cell_code) FILTER (WHERE p.fulltime_workers >= :min_fulltime) AS fulltime_ok,
           coalesce(sum(least(p.grid_heads, :min_grid_heads)), 0) AS heads_filled,
           coalesce(sum(least(p.fulltime_workers, :min_fulltime)), 0) AS fulltime_filled,
           coalesce(sum(p.fulltime_workers), 0) AS fulltime_workers
    FROM days AS d LEFT JOIN posts AS p ON p.month_start = d.month_start
    GROUP BY d.month_start
),
audited AS (SELECT count(*) AS cells FROM audit_cells)
SELECT to_char(m.month_start, 'YYYY-MM') AS month, a.cells,
       CASE WHEN :min_grid_heads = 0 THEN a.cells ELSE m.heads_ok END AS cells_with_grid_head,
       CASE WHEN :min_fulltime = 0 THEN a.cells ELSE m.fulltime_ok END AS cells_with_fulltime,
       m.fulltime_workers,
       a.cells * (:min_grid_heads + :min_fulltime) - m.heads_filled - m.fulltime_filled
           AS vacancies
FROM per_month AS m CROSS JOIN audited AS a
ORDER BY m.month_start
