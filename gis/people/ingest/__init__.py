"""Import of buildings, households, persons, special populations: read → validate → store."""
