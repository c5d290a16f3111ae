-- Undo 0003_layers: the departmental layers and their cells.
DROP TABLE IF EXISTS legacy_cells;
DROP TABLE IF EXISTS legacy_layers;
