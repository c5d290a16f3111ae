-- Workers the audit names: full-time workers whose load (the households of each cell they
-- are posted to, shared equally with that cell's other full-time workers) is above the
-- standard, and workers of the one-town roles posted to cells of more than one town.
-- Reads audit_cells (temporary, same transaction) for households and worker counts, and
-- today's assignments of the cells in it (ix_staff_assignments_cell).
WITH posts AS (
    SELECT a.staff_id, a.cell_code, a.role_code, c.households, c.fulltime_workers
    FROM staff_assignments AS a
    JOIN audit_cells AS c ON c.code = a.cell_code
    JOIN staff AS s ON s.id = a.staff_id AND s.active
    WHERE a.valid_from <= :today AND (a.valid_to IS NULL OR a.valid_to >= :today)
      AND (a.role_code = 'fulltime_worker' OR a.role_code = ANY (CAST(:town_roles AS text[])))
),
per_worker AS (
    SELECT staff_id,
           array_agg(DISTINCT cell_code ORDER BY cell_code) AS cells,
           array_agg(DISTINCT left(cell_code, 9) ORDER BY left(cell_code, 9)) AS towns,
           round(sum(households::numeric / nullif(fulltime_workers, 0))
                 FILTER (WHERE role_code = 'fulltime_worker'), 1) AS households_load,
           bool_or(role_code = ANY (CAST(:town_roles AS text[]))) AS town_role
    FROM posts GROUP BY staff_id
)
SELECT w.staff_id, s.name, w.cells, w.towns, w.households_load,
       coalesce(w.households_load > :max_households, false) AS overloaded,
       (w.town_role AND cardinality(w.towns) > 1) AS in_several_towns
FROM per_worker AS w JOIN staff AS s ON s.id = w.staff_id
WHERE w.households_load > :max_households OR (w.town_role AND cardinality(w.towns) > 1)
ORDER BY w.households_load DESC NULLS LAST, w.staff_id
