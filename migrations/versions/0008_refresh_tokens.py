"""Refresh tokens kept server-side: one use each, reuse signs the log-in out, logout
(see migrations/sql/0008_refresh_tokens_*.sql).

Revision ID: 0008_refresh_tokens
Revises: 0007_grid_notify
"""
from pathlib import Path

from alembic import op

revision = "0008_refresh_tokens"
down_revision = "0007_grid_notify"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0008_refresh_tokens_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0008_refresh_tokens_downgrade.sql").read_text())
