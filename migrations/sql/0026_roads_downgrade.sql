-- Undo 0026_roads (road_lines, from 0005, stay).
DROP TABLE IF EXISTS road_edges;
DROP TABLE IF EXISTS road_vertices;
