-- Households, persons and special populations in some cells of one generation (the cells
-- an edit changed), counted by geometry: a draft's new cells have no placements (nor
-- rollups) until the draft is activated, so the counts come from where people live.
-- A household is where its building's spot is (located_by 'building'), else at its own
-- point; the predicates are spelled as the partial index ix_households_own_geom's.
-- Everything in EPSG:4326, the tables' CRS, so the GiST indexes ix_buildings_spot and
-- ix_households_own_geom find the candidates (&&), and ST_Covers decides (a point on a
-- shared edge counts in both cells here; the editor shows balances, not placements).
-- Persons by ix_persons_household, records by ix_special_population_person.
WITH cells AS MATERIALIZED (
    SELECT btrim(c.code) AS code, c.geom
    FROM grid_cells AS c
    WHERE c.code = ANY (CAST(:codes AS char(15)[]))
      AND c.generation_low <= :generation_id
      AND (c.generation_high IS NULL OR c.generation_high >= :generation_id)
),
homes AS (
    SELECT c.code, h.id
    FROM cells AS c
    JOIN buildings AS b ON b.spot && c.geom AND ST_Covers(c.geom, b.spot)
    JOIN households AS h ON h.building_id = b.id AND h.located_by = 'building'
    UNION ALL
    SELECT c.code, h.id
    FROM cells AS c
    JOIN households AS h ON h.geom && c.geom AND ST_Covers(c.geom, h.geom)
    WHERE h.located_by IS DISTINCT FROM 'building' OR h.building_id IS NULL
)
SELECT c.code,
       count(DISTINCT hm.id) AS households,
       count(DISTINCT p.id) AS persons,
       count(DISTINCT r.id) FILTER (WHERE r.end_date IS NULL OR r.end_date >= current_date)
           AS special_populations
FROM cells AS c
LEFT JOIN homes AS hm ON hm.code = c.code
LEFT JOIN persons AS p ON p.household_id = hm.id
LEFT JOIN special_population_records AS r ON r.person_id = p.id
GROUP BY c.code
