"""The planner's editor: one row per edit of a draft (operation, author, reason, undo data).

Revision ID: 0024_editor_history
Revises: 0020_staff_audit
"""
from pathlib import Path

from alembic import op

revision = "0024_editor_history"
down_revision = "0020_staff_audit"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0024_editor_history_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0024_editor_history_downgrade.sql").read_text())
