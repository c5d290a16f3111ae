"""Per-household weights (residents, special-population records) kept by the persons and
records triggers, so that a placement's rollup upkeep reads only the moved households'
weights (see migrations/sql/0032_rollup_weights_*.sql).

Revision ID: 0032_rollup_weights
Revises: 0027_rollup_deltas
"""
from pathlib import Path

from alembic import op

revision = "0032_rollup_weights"
down_revision = "0031_incident_duplicate_index"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0032_rollup_weights_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0032_rollup_weights_downgrade.sql").read_text())
