"""Placements in narrow tables: building_cells, households.own_cell_id, household_cells
(see migrations/sql/0006_placements_*.sql).

Revision ID: 0006_placements
Revises: 0005_roads
"""
from pathlib import Path

from alembic import op

revision = "0006_placements"
down_revision = "0005_roads"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0006_placements_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0006_placements_downgrade.sql").read_text())
