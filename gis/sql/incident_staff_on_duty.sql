-- The staff assigned to a cell (by its stable code) on a day: grid head first, then by
-- role and name. staff_assignments is small per cell (ix_staff_assignments_cell).
SELECT s.id, s.name, s.phone, a.role_code, r.name_zh AS role_zh, r.name_en AS role_en
FROM staff_assignments AS a
JOIN staff AS s ON s.id = a.staff_id AND s.active
JOIN staff_roles AS r ON r.code = a.role_code
WHERE a.cell_code = :cell_code
  AND a.valid_from <= CAST(:day AS date)
  AND (a.valid_to IS NULL OR a.valid_to >= CAST(:day AS date))
ORDER BY a.role_code <> 'grid_head', a.role_code, s.name, s.id
