"""Least privilege for the service's login: append-only access log (no UPDATE, DELETE or
TRUNCATE, even by the owner's mistake), read-only schema version; grants re-stated for
the per-database app role (see migrations/sql/0009_db_roles_*.sql, gis/db_roles.py).

Revision ID: 0009_db_roles
Revises: 0008_refresh_tokens
"""
from pathlib import Path

from alembic import op

revision = "0009_db_roles"
down_revision = "0008_refresh_tokens"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0009_db_roles_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0009_db_roles_downgrade.sql").read_text())
