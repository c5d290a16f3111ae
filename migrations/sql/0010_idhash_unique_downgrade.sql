-- Back to a plain (non-unique) index on the ID-number hash.
CREATE INDEX ix_persons_id_hash ON persons (id_hash);
DROP INDEX ux_persons_id_hash;
