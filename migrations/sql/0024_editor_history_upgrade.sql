-- The draft's history as the editor shows it (gis/grid/history.py): one row per edit a
-- planner made (a redraw, a split, a paint...), with its author and reason, and what the
-- edit did to each code it changed, so that it can be undone and redone.
--
-- grid_cell_edits (0011) stays the per-code ledger the 409 reads; each of its rows now
-- names the operation it belongs to. Rows of a discarded draft go with it (CASCADE).
CREATE TABLE grid_edit_ops (
    id            bigserial PRIMARY KEY,
    generation_id integer NOT NULL REFERENCES grid_generations (id) ON DELETE CASCADE,
    seq           integer NOT NULL,          -- 1, 2, 3... within the draft
    op            text NOT NULL,             -- add, redraw, remove, split, merge, paint...
    codes         text[] NOT NULL,           -- every code the edit changed
    author        text,
    reason        text CHECK (char_length(reason) <= 500),
    at            timestamptz NOT NULL DEFAULT now(),
    undone        boolean NOT NULL DEFAULT false,
    -- An undone edit that a later edit replaced can no longer be redone.
    dropped       boolean NOT NULL DEFAULT false,
    -- {code: {"wkb": hex, "attrs": {...}} | null} before and after the edit; NULL for an
    -- edit that cannot be undone (a proposal, a repair: they rewrite many cells).
    before_cells  jsonb,
    after_cells   jsonb,
    UNIQUE (generation_id, seq)
);

ALTER TABLE grid_cell_edits
    ADD COLUMN op_id bigint REFERENCES grid_edit_ops (id) ON DELETE CASCADE;
CREATE INDEX ix_grid_cell_edits_op ON grid_cell_edits (op_id);
