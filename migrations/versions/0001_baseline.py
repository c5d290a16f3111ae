"""Baseline: the whole onegrid model (see migrations/sql/0001_baseline_*.sql).

Revision ID: 0001
Revises:
"""
from pathlib import Path

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0001_baseline_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0001_baseline_downgrade.sql").read_text())
