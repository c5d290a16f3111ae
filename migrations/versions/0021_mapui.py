"""Map search: prefix and trigram indexes for codes, names, addresses, household numbers
(see migrations/sql/0021_mapui_*.sql).

Revision ID: 0021_mapui
Revises: 0012_speed
"""
from pathlib import Path

from alembic import op

revision = "0021_mapui"
down_revision = "0012_speed"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0021_mapui_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0021_mapui_downgrade.sql").read_text())
