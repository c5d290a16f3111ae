"""Staff roster: staff numbers, duties, updated_at; row-level security on staff and their
assignments (see migrations/sql/0020_staff_audit_*.sql).

Revision ID: 0020_staff_audit
Revises: 0023_own_placements
"""
from pathlib import Path

from alembic import op

revision = "0020_staff_audit"
down_revision = "0023_own_placements"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0020_staff_audit_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0020_staff_audit_downgrade.sql").read_text())
