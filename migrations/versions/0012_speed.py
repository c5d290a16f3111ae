"""Speed under row-level security: the caller's cell ids resolved once per transaction,
policies that plan as index conditions, cell_rollups maintained by statement triggers
(see migrations/sql/0012_speed_*.sql).

Revision ID: 0012_speed
Revises: 0011_edit_versions
"""
from pathlib import Path

from alembic import op

revision = "0012_speed"
down_revision = "0011_edit_versions"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0012_speed_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0012_speed_downgrade.sql").read_text())
