"""Households looked after by serving party members and deputies registered in their home
cell, under row-level security (see migrations/sql/0025_party_households_*.sql).

Revision ID: 0025_party_households
Revises: 0020_staff_audit
"""
from pathlib import Path

from alembic import op

revision = "0025_party_households"
down_revision = "0026_roads"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0025_party_households_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0025_party_households_downgrade.sql").read_text())
