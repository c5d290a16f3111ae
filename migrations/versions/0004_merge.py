"""Merge the three 0003 branches (layers, people, row-level security) into one head.

Revision ID: 0004
Revises: 0003_layers, 0003_people, 0003_rls
"""

revision = "0004"
down_revision = ("0003_layers", "0003_people", "0003_rls")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
