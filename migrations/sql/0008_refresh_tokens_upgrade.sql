-- Refresh tokens are kept server-side (gis/auth/sessions.py): each one can be used once
-- (rotation), a second use of the same token signs out the whole log-in it came from
-- (family: every token rotated from one log-in), and POST /auth/logout revokes a family.
-- The JWT still carries the user and the password version; this row is what makes it
-- usable. Expired rows are deleted when their user next logs in.
CREATE TABLE refresh_tokens (
    jti         text PRIMARY KEY,
    family      text NOT NULL,
    user_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,   -- rotated: a new token of the family was issued for it
    revoked_at  timestamptz    -- signed out, or the family was caught reusing a token
);
CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);
-- The service's privileges come from the default privileges of 0003_rls.
