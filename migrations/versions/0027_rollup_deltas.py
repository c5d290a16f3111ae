"""cell_rollups maintained by deltas: the rollup triggers add what the changed rows
contribute per cell instead of recounting the cells (see
migrations/sql/0027_rollup_deltas_*.sql).

Revision ID: 0027_rollup_deltas
Revises: 0020_staff_audit
"""
from pathlib import Path

from alembic import op

revision = "0027_rollup_deltas"
down_revision = "0030_person_policies"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0027_rollup_deltas_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0027_rollup_deltas_downgrade.sql").read_text())
