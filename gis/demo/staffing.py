"""The demo's staffing beyond posts: helpers of high-concern special-population people and
the households each serving party member looks after, so every audit rule has data.

Both are set-based statements over what the demo has just stored (posts, households placed
in cells through their buildings, special-population records), deterministic by row ids."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

# Households a party member looks after: 5..22 by staff id, so a few exceed the shipped
# standard (20) and their cells fail households_per_party_member.
PARTY_HOUSEHOLDS = """
WITH members AS (
    SELECT a.staff_id, a.cell_code, 5 + (a.staff_id * 7) % 18 AS quota
    FROM staff_assignments AS a
    WHERE a.role_code = 'party_member' AND a.staff_id >= :first_staff
),
-- each member's slice of their cell's households, in household id order
slices AS (
    SELECT staff_id, cell_code, quota,
           sum(quota) OVER (PARTITION BY cell_code ORDER BY staff_id) - quota AS skip
    FROM members
),
homes AS (
    SELECT hc.household_id, c.code AS cell_code,
           row_number() OVER (PARTITION BY c.code ORDER BY hc.household_id) - 1 AS n
    FROM household_cells AS hc
    JOIN grid_cells AS c ON c.id = hc.cell_id
    WHERE c.code IN (SELECT cell_code FROM members)
)
INSERT INTO party_households (staff_id, cell_code, household_id, valid_from)
SELECT s.staff_id, s.cell_code, h.household_id, :since
FROM slices AS s
JOIN homes AS h ON h.cell_code = s.cell_code AND h.n >= s.skip AND h.n < s.skip + s.quota
"""

# A helper for nine in ten open high-concern records: one of the workers posted in the
# person's cell, spread over them by record id; the tenth waits for one (the audit's
# high_concern_helper rule fails in its cell).
HELPERS = """
UPDATE special_population_records AS r SET helper_staff_id = pick.staff_id
FROM (SELECT r2.id, (SELECT a.staff_id FROM staff_assignments AS a
                     WHERE a.cell_code = c.code
                       AND a.role_code IN ('fulltime_worker', 'parttime_worker',
                                           'safety_officer')
                     ORDER BY (a.staff_id + r2.id) % 3, a.staff_id LIMIT 1) AS staff_id
      FROM special_population_records AS r2
      JOIN persons AS p ON p.id = r2.person_id
      JOIN household_cells AS hc ON hc.household_id = p.household_id
      JOIN grid_cells AS c ON c.id = hc.cell_id
      WHERE r2.concern_level = 'high' AND r2.id % 10 <> 0) AS pick
WHERE r.id = pick.id
"""


def store_staffing(session: Session, *, first_staff: int, since: dt.date) -> dict:
    """Party members' households and high-concern helpers (staff from first_staff on)."""
    households = session.execute(text(PARTY_HOUSEHOLDS),
                                 {"first_staff": first_staff, "since": since}).rowcount
    helped = session.execute(text(HELPERS)).rowcount
    return {"party_households": households, "special_with_helper": helped}
