"""Row-level security: grants to the service's role and area policies on people and
incidents.

See migrations/sql/0003_rls_*.sql. The service logs in as the app role (gis/db_roles.py)
and puts the caller's area into transaction-local settings (gis/auth/rls.py); the
policies read them.

Revision ID: 0003_rls
Revises: 0002
"""
from pathlib import Path

from alembic import op

revision = "0003_rls"
down_revision = "0002"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0003_rls_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0003_rls_downgrade.sql").read_text())
