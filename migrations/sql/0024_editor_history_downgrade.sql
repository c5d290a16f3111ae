DROP INDEX ix_grid_cell_edits_op;
ALTER TABLE grid_cell_edits DROP COLUMN op_id;
DROP TABLE grid_edit_ops;
