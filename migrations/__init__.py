"""Alembic migrations: hand-written, readable SQL for the schema, GiST indexes and constraints."""
