"""Road lines that cell proposals follow (see migrations/sql/0005_roads_*.sql).

Revision ID: 0005_roads
Revises: 0004
"""
from pathlib import Path

from alembic import op

revision = "0005_roads"
down_revision = "0004"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0005_roads_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0005_roads_downgrade.sql").read_text())
