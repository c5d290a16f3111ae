"""One person per ID number: a unique index on persons.id_hash; stored duplicates are
listed and stop the upgrade (see migrations/sql/0010_idhash_unique_*.sql).

Revision ID: 0010_idhash_unique
Revises: 0009_db_roles
"""
from pathlib import Path

from alembic import op

revision = "0010_idhash_unique"
down_revision = "0009_db_roles"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0010_idhash_unique_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0010_idhash_unique_downgrade.sql").read_text())
