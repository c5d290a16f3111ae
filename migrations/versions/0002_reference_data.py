"""Reference code tables: staff roles, special-population categories, incident categories, roles.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from gis import reference

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.bulk_insert(sa.table("staff_roles", sa.column("code"), sa.column("name_zh"),
                            sa.column("name_en")), reference.staff_role_rows())
    op.bulk_insert(sa.table("special_population_categories", sa.column("code"),
                            sa.column("parent_code"), sa.column("name_zh"),
                            sa.column("name_en")), reference.special_population_rows())
    conn = op.get_bind()
    for row in reference.incident_category_rows():
        conn.execute(sa.text(
            "INSERT INTO incident_categories (code, parent_id, name_zh, name_en, time_limit_hours)"
            " VALUES (:code, (SELECT id FROM incident_categories WHERE code = :parent),"
            " :name_zh, :name_en, :hours)"), row)
    op.bulk_insert(sa.table("roles", sa.column("code"), sa.column("name"),
                            sa.column("permissions", sa.ARRAY(sa.Text))),
                   reference.role_rows())


def downgrade() -> None:
    for table in ("roles", "incident_categories", "special_population_categories",
                  "staff_roles"):
        op.execute(f"DELETE FROM {table}")
