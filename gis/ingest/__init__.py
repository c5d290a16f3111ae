"""Imports: read → check CRS and datum → check/repair geometry → map columns → report → store."""
