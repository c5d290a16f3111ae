"""Placement statements cost what they change: a few moved buildings are counted by index
probes, not by hash joins over every household and weight; a bulk first placement takes
one table lock on persons and records instead of a row lock per household (see
migrations/sql/0034_rollup_probes_*.sql).

Revision ID: 0034_rollup_probes
Revises: 0033_rollup_race
"""
from pathlib import Path

from alembic import op

revision = "0034_rollup_probes"
down_revision = "0033_rollup_race"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0034_rollup_probes_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0034_rollup_probes_downgrade.sql").read_text())
