"""Edit versions: a version per cell row and per generation, the cell edit history
(see migrations/sql/0011_edit_versions_*.sql).

Revision ID: 0011_edit_versions
Revises: 0010_idhash_unique
"""
from pathlib import Path

from alembic import op

revision = "0011_edit_versions"
down_revision = "0010_idhash_unique"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0011_edit_versions_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0011_edit_versions_downgrade.sql").read_text())
