"""Imports of boundaries and departmental layers: read → validate → CRS → store, dry-run first."""
