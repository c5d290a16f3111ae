"""People: per-cell rollups and the indexes that imports and assignment rely on.

Revision ID: 0003_people
Revises: 0002
"""
from pathlib import Path

from alembic import op

revision = "0003_people"
down_revision = "0002"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0003_people_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0003_people_downgrade.sql").read_text())
