"""A person or special-population record added to a household while another writer places
that household in a cell counts in that cell's rollup, whichever writer is first: the two
writers meet on the household's row (see migrations/sql/0033_rollup_race_*.sql).

Revision ID: 0033_rollup_race
Revises: 0032_rollup_weights
"""
from pathlib import Path

from alembic import op

revision = "0033_rollup_race"
down_revision = "0032_rollup_weights"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0033_rollup_race_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0033_rollup_race_downgrade.sql").read_text())
