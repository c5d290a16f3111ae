"""Departmental grid layers for conflation (see migrations/sql/0003_layers_*.sql).

Revision ID: 0003_layers
Revises: 0002
"""
from pathlib import Path

from alembic import op

revision = "0003_layers"
down_revision = "0002"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0003_layers_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0003_layers_downgrade.sql").read_text())
