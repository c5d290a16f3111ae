"""The tile path in one round trip: the caller's area applied inside the tile statement
(see migrations/sql/0028_tile_path_*.sql).

Revision ID: 0028_tile_path
Revises: 0020_staff_audit
"""
from pathlib import Path

from alembic import op

revision = "0028_tile_path"
down_revision = "0025_party_households"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0028_tile_path_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0028_tile_path_downgrade.sql").read_text())
