"""Person-data policies that plan well: persons and special-population records visible
through a hashed set of the caller's households / persons, built once per statement
(see migrations/sql/0030_person_policies_*.sql).

Revision ID: 0030_person_policies
Revises: 0020_staff_audit
"""
from pathlib import Path

from alembic import op

revision = "0030_person_policies"
down_revision = "0024_editor_history"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0030_person_policies_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0030_person_policies_downgrade.sql").read_text())
