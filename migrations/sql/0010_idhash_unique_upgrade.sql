-- One person per ID number: a unique index on the keyed hash (persons.id_hash, an
-- HMAC-SHA256 of the number, see gis/people/idnumbers.py), replacing the plain index.
-- Why the database and not a SELECT before the INSERT: under row-level security a caller
-- cannot see persons outside their area, so a duplicate registered in another town passed
-- the check, and two concurrent creates of one new number both passed it. The index sees
-- every row and serialises concurrent inserts of one value (the second waits for the
-- first to commit, then fails with unique_violation, which the services turn into a 409
-- that names neither the other person nor their area).
-- NULL hashes (persons recorded without an ID number) stay allowed, any number of them.

-- Stored data is checked first, so that a database holding duplicates stops here with a
-- list of them rather than with PostgreSQL's bare "could not create unique index".
DO $$
DECLARE
    previous text := current_setting('onegrid.scope_all', true);
    clashes bigint;
    listed text;
BEGIN
    -- persons has FORCE ROW LEVEL SECURITY: a migrating owner that is not a superuser
    -- would otherwise count only the rows of no area (none), and miss every duplicate.
    PERFORM set_config('onegrid.scope_all', 'on', true);
    SELECT count(*), string_agg(ids, '; ' ORDER BY first_id)
      INTO clashes, listed
      FROM (SELECT min(id) AS first_id,
                   '(' || string_agg(id::text, ', ' ORDER BY id) || ')' AS ids
              FROM persons
             WHERE id_hash IS NOT NULL
             GROUP BY id_hash
            HAVING count(*) > 1
             ORDER BY min(id)) AS groups;
    PERFORM set_config('onegrid.scope_all', coalesce(previous, ''), true);
    IF clashes > 0 THEN
        RAISE EXCEPTION 'persons: % ID numbers are each registered to more than one person', clashes
            USING DETAIL = 'person ids sharing one ID number, per number: '
                           || left(listed, 4000),
                  HINT = 'keep one person per ID number (move the others'' special-population '
                         'records to it, then delete them) and run the migration again; '
                         'a demo loaded before this migration: load it again into a new database';
    END IF;
END $$;

CREATE UNIQUE INDEX ux_persons_id_hash ON persons (id_hash);
DROP INDEX ix_persons_id_hash;
