-- Rollups per region of one level (code_length 6 district, 9 town, 12 village), summed
-- from cell_rollups of one generation. A region's cells share its code prefix, so no
-- spatial join is needed. scope_prefixes as in rollup_cells.sql.
WITH cells AS (
    SELECT left(c.code, :code_length) AS prefix, r.households, r.members, r.residents,
           r.special_total, r.special
    FROM grid_cells AS c
    LEFT JOIN cell_rollups AS r ON r.cell_id = c.id
    WHERE c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
      AND (CAST(:scope_prefixes AS text[]) IS NULL
           OR c.code LIKE ANY (CAST(:scope_prefixes AS text[])))
),
totals AS (
    SELECT prefix, count(*) AS cells, coalesce(sum(households), 0) AS households,
           coalesce(sum(members), 0) AS members, coalesce(sum(residents), 0) AS residents,
           coalesce(sum(special_total), 0) AS special_total
    FROM cells GROUP BY prefix
),
special_levels AS (
    SELECT c.prefix, cat.key AS category, lvl.key AS level, sum(lvl.value::int) AS n
    FROM cells AS c
    CROSS JOIN LATERAL jsonb_each(c.special) AS cat
    CROSS JOIN LATERAL jsonb_each_text(cat.value) AS lvl
    GROUP BY c.prefix, cat.key, lvl.key
),
special AS (
    SELECT prefix, jsonb_object_agg(category, levels) AS special
    FROM (SELECT prefix, category, jsonb_object_agg(level, n) AS levels
          FROM special_levels GROUP BY prefix, category) AS per_category
    GROUP BY prefix
),
concern AS (
    SELECT prefix, jsonb_object_agg(level, n) AS by_concern
    FROM (SELECT prefix, level, sum(n) AS n FROM special_levels GROUP BY prefix, level) AS x
    GROUP BY prefix
)
SELECT rpad(t.prefix, 12, '0') AS code, rg.name, t.cells, t.households, t.members,
       t.residents, t.special_total, coalesce(s.special, '{}') AS special,
       coalesce(k.by_concern, '{}') AS by_concern
FROM totals AS t
LEFT JOIN special AS s ON s.prefix = t.prefix
LEFT JOIN concern AS k ON k.prefix = t.prefix
LEFT JOIN regions AS rg ON rg.code = rpad(t.prefix, 12, '0')
ORDER BY t.prefix
