"""The road network dispatch routes on: road_lines noded into vertices and edges (see
migrations/sql/0026_roads_*.sql). Plain PostGIS tables: pgRouting reads them when it is
installed, and nothing here needs it.

Revision ID: 0026_roads
Revises: 0020_staff_audit
"""
from pathlib import Path

from alembic import op

revision = "0026_roads"
down_revision = "0020_staff_audit"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0026_roads_upgrade.sql").read_text())


def downgrade() -> None:
    op.execute((SQL / "0026_roads_downgrade.sql").read_text())
