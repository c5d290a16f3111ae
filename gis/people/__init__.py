"""Buildings, households, persons and special-population records."""
