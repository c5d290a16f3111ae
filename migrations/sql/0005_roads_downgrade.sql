-- Undo 0005_roads.
DROP TABLE IF EXISTS road_lines;
