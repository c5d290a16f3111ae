"""Own placements in a narrow table: household_own_cells replaces households.own_cell_id
(see migrations/sql/0023_own_placements_*.sql).

Revision ID: 0023_own_placements
Revises: 0022_incidents
"""
from pathlib import Path

from alembic import op

revision = "0023_own_placements"
down_revision = "0022_incidents"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0023_own_placements_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0023_own_placements_downgrade.sql").read_text())
