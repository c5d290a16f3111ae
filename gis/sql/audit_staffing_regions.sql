-- Region rollups of the staffing audit: the per-cell rows of audit_cells (a temporary table
-- filled by audit_staffing_cells.sql in the same transaction) summed per district (6-digit
-- code prefix), town (9) and village (12). Failing cells are counted per rule; a rule that
-- does not apply to a cell (NULL) counts neither way. Ratios are of the sums, not means of
-- the cells' ratios.
WITH levels(level, code_length) AS (
    VALUES ('district', 6), ('town', 9), ('village', 12)
)
SELECT l.level, rpad(left(c.code, l.code_length), 12, '0') AS code,
       count(*) AS cells, sum(c.households) AS households, sum(c.staff) AS staff,
       sum(c.grid_heads) AS grid_heads, sum(c.fulltime_workers) AS fulltime_workers,
       sum(c.party_members) AS party_members, sum(c.high_concern) AS high_concern,
       sum(c.high_concern_without_helper) AS high_concern_without_helper,
       sum(c.high_concern_overdue_visit) AS high_concern_overdue_visit,
       round(sum(c.households)::numeric / nullif(sum(c.fulltime_workers), 0), 1)
           AS households_per_fulltime,
       sum(c.vacancies) AS vacancies,
       count(*) FILTER (WHERE c.rules_failed > 0) AS cells_failing,
       count(*) FILTER (WHERE NOT c.pass_grid_head) AS fail_grid_head,
       count(*) FILTER (WHERE NOT c.pass_fulltime_worker) AS fail_fulltime_worker,
       count(*) FILTER (WHERE NOT c.pass_households_per_fulltime)
           AS fail_households_per_fulltime,
       count(*) FILTER (WHERE NOT c.pass_high_concern_helper) AS fail_high_concern_helper,
       count(*) FILTER (WHERE NOT c.pass_high_concern_visit) AS fail_high_concern_visit,
       count(*) FILTER (WHERE NOT c.pass_party_member) AS fail_party_member,
       count(*) FILTER (WHERE NOT c.pass_one_town_per_worker) AS fail_one_town_per_worker,
       sum(c.party_households) AS party_households,
       count(*) FILTER (WHERE NOT c.pass_households_per_party_member)
           AS fail_households_per_party_member
FROM audit_cells AS c CROSS JOIN levels AS l
GROUP BY l.level, l.code_length, left(c.code, l.code_length)
ORDER BY l.code_length, code
