"""NOTIFY onegrid_grid when the active grid or the regions change: /locate's in-memory
cell index reloads (see migrations/sql/0007_grid_notify_*.sql).

Revision ID: 0007_grid_notify
Revises: 0006_placements
"""
from pathlib import Path

from alembic import op

revision = "0007_grid_notify"
down_revision = "0006_placements"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0007_grid_notify_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0007_grid_notify_downgrade.sql").read_text())
