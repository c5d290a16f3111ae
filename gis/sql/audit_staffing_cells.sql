-- The staffing audit, one row per cell of one generation (optionally under a region prefix,
-- always inside the caller's area): who is posted there today, the households and high-
-- concern special populations they serve, and each standard's pass/fail (NULL = does not
-- apply to this cell). No geometry is read: cells are matched to assignments by code (a
-- cell keeps its code and its team across redraws), households come from the maintained
-- cell_rollups. Every threshold is a bind parameter taken from the standards file.
--
-- gis/staff/audit.py stores the rows in a temporary table (audit_cells) that the region
-- rollup and the worker list read, so the cells are measured once per audit.
--
-- :scope_prefixes NULL = no area restriction, else LIKE patterns on cell codes (the rule of
-- gis/auth/scope.py); row-level security applies the same rule again under the app role.
WITH cells AS (
    SELECT c.id, c.code, c.name, c.village_code,
           coalesce(r.households, 0) AS households,
           coalesce(r.special_total, 0) AS special_total
    FROM grid_cells AS c
    LEFT JOIN cell_rollups AS r ON r.cell_id = c.id
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
      AND (CAST(:region_prefix AS text) IS NULL
           OR c.code LIKE CAST(:region_prefix AS text) || '%')
      AND (CAST(:scope_prefixes AS text[]) IS NULL
           OR c.code LIKE ANY (CAST(:scope_prefixes AS text[])))
),
-- Posts held today by active staff in these cells (ix_staff_assignments_cell on the code),
-- and whether the member helps an open special-population record. That test is a hashed
-- SubPlan (an IN in the select list is never made a join): one pass over the records and a
-- hash probe per post. As a join (`posts WHERE staff_id IN (records)`) the planner,
-- expecting a few hundred posts (it cannot estimate a CTE's join), compared every post
-- with every helper in a nested loop: 12,472 x 1,502 = 18.7 million comparisons, 1.5 s
-- of a 1.6 s audit on the district demo once its records had helpers.
posts AS (
    SELECT a.cell_code, a.staff_id, a.role_code,
           a.staff_id IN (SELECT r.helper_staff_id FROM special_population_records AS r
                          WHERE r.helper_staff_id IS NOT NULL
                            AND (r.end_date IS NULL OR r.end_date >= :today)) AS helps
    FROM staff_assignments AS a
    JOIN cells AS c ON c.code = a.cell_code
    JOIN staff AS s ON s.id = a.staff_id AND s.active
    WHERE a.valid_from <= :today AND (a.valid_to IS NULL OR a.valid_to >= :today)
),
staffing AS (
    SELECT cell_code,
           count(DISTINCT staff_id) FILTER (WHERE role_code = 'grid_head') AS grid_heads,
           count(DISTINCT staff_id) FILTER (WHERE role_code = 'fulltime_worker')
               AS fulltime_workers,
           count(DISTINCT staff_id) FILTER (WHERE role_code = ANY (CAST(:party_roles AS text[])))
               AS party_members,
           count(DISTINCT staff_id) AS staff,
           -- helpers posted in the cell: staff posted there who help an open record
           count(DISTINCT staff_id) FILTER (WHERE helps) AS helpers
    FROM posts GROUP BY cell_code
),
-- Households looked after (联系户, party_households) by the party members registered in
-- the cell today: a link counts while it runs and while its member holds a party post in
-- that same cell (ix_party_households_staff from each party post). Per member, for the
-- most any one looks after; per cell, each household once however many look after it.
-- One pass with a window, no join: the planner cannot estimate this CTE (it guessed one
-- row), and a join of it with its own per-member counts became a nested loop, 3 s.
party_links AS (
    SELECT l.cell_code, l.staff_id, l.household_id
    FROM party_households AS l
    WHERE l.valid_from <= :today AND (l.valid_to IS NULL OR l.valid_to >= :today)
      AND EXISTS (SELECT 1 FROM posts AS p
                  WHERE p.staff_id = l.staff_id AND p.cell_code = l.cell_code
                    AND p.role_code = ANY (CAST(:party_roles AS text[])))
),
party_load AS (
    SELECT cell_code, count(DISTINCT household_id) AS party_households,
           max(per_member) AS party_most_households
    FROM (SELECT cell_code, staff_id, household_id,
                 count(*) OVER (PARTITION BY cell_code, staff_id) AS per_member
          FROM party_links) AS links
    GROUP BY cell_code
),
-- Workers of the one-town roles posted today to cells of more than one town (the first 9
-- digits of a cell code are its town's). All their posts count, not only this area's
-- (as far as row-level security lets the caller see them).
multi_town AS (
    SELECT a.staff_id
    FROM staff_assignments AS a
    WHERE a.role_code = ANY (CAST(:town_roles AS text[]))
      AND a.valid_from <= :today AND (a.valid_to IS NULL OR a.valid_to >= :today)
      AND a.staff_id IN (SELECT staff_id FROM posts)
    GROUP BY a.staff_id
    HAVING count(DISTINCT left(a.cell_code, 9)) > 1
),
multi_town_cells AS (
    SELECT p.cell_code, count(DISTINCT p.staff_id) AS workers
    FROM posts AS p JOIN multi_town AS m ON m.staff_id = p.staff_id
    WHERE p.role_code = ANY (CAST(:town_roles AS text[]))
    GROUP BY p.cell_code
),
-- Open high-concern records and the cell of each person's household: the few high-concern
-- records first (ix_special_population_concern), then per record one probe of persons by
-- primary key and one of the view household_cells by household id (which reaches both
-- branches' primary keys, never the whole view). LIMIT 1 keeps each LATERAL a per-row
-- probe: as a plain join the planner hashed all of persons (a seq scan of 270,000 rows
-- under row-level security, ~100 ms of a 260 ms audit on the district demo).
high AS (
    SELECT placed.cell_id,
           count(*) AS high_concern,
           count(*) FILTER (WHERE r.helper_staff_id IS NULL) AS without_helper,
           count(*) FILTER (WHERE r.last_visited_on IS NULL
                               OR r.last_visited_on < CAST(:today AS date) - :visit_days)
               AS overdue_visit
    FROM special_population_records AS r
    CROSS JOIN LATERAL (SELECT p.household_id FROM persons AS p
                        WHERE p.id = r.person_id LIMIT 1) AS p
    CROSS JOIN LATERAL (SELECT hc.cell_id FROM household_cells AS hc
                        WHERE hc.household_id = p.household_id LIMIT 1) AS placed
    WHERE r.concern_level = 'high' AND (r.end_date IS NULL OR r.end_date >= :today)
    GROUP BY placed.cell_id
),
measured AS (
    SELECT c.id AS cell_id, c.code, c.name, c.village_code, c.households, c.special_total,
           coalesce(s.grid_heads, 0) AS grid_heads,
           coalesce(s.fulltime_workers, 0) AS fulltime_workers,
           coalesce(s.party_members, 0) AS party_members,
           coalesce(s.staff, 0) AS staff,
           coalesce(h.high_concern, 0) AS high_concern,
           coalesce(h.without_helper, 0) AS high_concern_without_helper,
           coalesce(h.overdue_visit, 0) AS high_concern_overdue_visit,
           coalesce(s.helpers, 0) AS helpers,
           coalesce(m.workers, 0) AS multi_town_workers,
           coalesce(pl.party_households, 0) AS party_households,
           coalesce(pl.party_most_households, 0) AS party_most_households
    FROM cells AS c
    LEFT JOIN staffing AS s ON s.cell_code = c.code
    LEFT JOIN high AS h ON h.cell_id = c.id
    LEFT JOIN multi_town_cells AS m ON m.cell_code = c.code
    LEFT JOIN party_load AS pl ON pl.cell_code = c.code
),
judged AS (
    SELECT m.*,
           round(m.households::numeric / nullif(m.fulltime_workers, 0), 1)
               AS households_per_fulltime,
           round(m.special_total::numeric / nullif(m.helpers, 0), 1) AS special_per_helper,
           -- full-time posts the cell needs: the minimum, or enough for its households
           greatest(:min_fulltime, ceil(m.households::numeric / :max_households)::int)
               AS fulltime_needed,
           m.grid_heads >= :min_grid_heads AS pass_grid_head,
           m.fulltime_workers >= :min_fulltime AS pass_fulltime_worker,
           m.households <= :max_households * m.fulltime_workers AS pass_households_per_fulltime,
           m.high_concern_without_helper = 0 AS pass_high_concern_helper,
           m.high_concern_overdue_visit = 0 AS pass_high_concern_visit,
           CASE WHEN m.households > :party_min_households THEN m.party_members >= 1 END
               AS pass_party_member,
           m.multi_town_workers = 0 AS pass_one_town_per_worker,
           round(m.party_households::numeric / nullif(m.party_members, 0), 1)
               AS households_per_party_member,
           -- only where a party member is registered: none looks after too many households
           CASE WHEN m.party_members >= 1
                THEN m.party_most_households <= :party_max_households END
               AS pass_households_per_party_member
    FROM measured AS m
)
SELECT j.*,
       -- posts short: grid heads, full-time workers (for the minimum or the load), and a
       -- party member where one is required (only for the rules switched on)
       (CASE WHEN :on_grid_head THEN greatest(:min_grid_heads - j.grid_heads, 0) ELSE 0 END
        + CASE WHEN :on_fulltime_worker OR :on_households_per_fulltime
               THEN greatest(CASE WHEN :on_households_per_fulltime THEN j.fulltime_needed
                                  ELSE :min_fulltime END - j.fulltime_workers, 0) ELSE 0 END
        + CASE WHEN :on_party_member AND j.pass_party_member = false THEN 1 ELSE 0 END
       ) AS vacancies,
       ((:on_grid_head AND NOT j.pass_grid_head)::int
        + (:on_fulltime_worker AND NOT j.pass_fulltime_worker)::int
        + (:on_households_per_fulltime AND NOT j.pass_households_per_fulltime)::int
        + (:on_high_concern_helper AND NOT j.pass_high_concern_helper)::int
        + (:on_high_concern_visit AND NOT j.pass_high_concern_visit)::int
        + (:on_party_member AND NOT coalesce(j.pass_party_member, true))::int
        + (:on_one_town_per_worker AND NOT j.pass_one_town_per_worker)::int
        + (:on_households_per_party_member
           AND NOT coalesce(j.pass_households_per_party_member, true))::int) AS rules_failed
FROM judged AS j
