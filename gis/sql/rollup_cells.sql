-- Rollups of every cell of one generation (optionally under a region prefix), one row per
-- cell: enough to colour a city map. Reads cell_rollups (kept current incrementally) and
-- grid_cells' attributes only, never geometry or households. scope_prefixes NULL = no area
-- restriction; otherwise cell codes must start with one of the given prefixes.
SELECT c.id AS cell_id, c.code, c.name, c.village_code,
       coalesce(r.households, 0) AS households, coalesce(r.members, 0) AS members,
       coalesce(r.residents, 0) AS residents, coalesce(r.special_total, 0) AS special_total,
       coalesce(r.special, '{}') AS special, coalesce(r.by_concern, '{}') AS by_concern
FROM grid_cells AS c
LEFT JOIN cell_rollups AS r ON r.cell_id = c.id
WHERE c.generation_low <= :generation_id
  AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
  AND (CAST(:region_prefix AS text) IS NULL OR c.code LIKE CAST(:region_prefix AS text) || '%')
  AND (CAST(:scope_prefixes AS text[]) IS NULL
       OR c.code LIKE ANY (CAST(:scope_prefixes AS text[])))
ORDER BY c.code
