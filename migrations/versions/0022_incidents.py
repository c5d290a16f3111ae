"""Dispatch: routing data of the catalogue, case location/version/timers, working-day
calendar (seeded from chinese-calendar), staff positions, Open311 tokens
(see migrations/sql/0022_incidents_*.sql).

Revision ID: 0022_incidents
Revises: 0021_mapui
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from gis.incidents import calendar, catalogue

revision = "0022_incidents"
down_revision = "0021_mapui"
branch_labels = None
depends_on = None

SQL = Path(__file__).resolve().parent.parent / "sql"


def upgrade() -> None:
    op.execute((SQL / "0022_incidents_upgrade.sql").read_text())
    conn = op.get_bind()
    for code, (department, triage, working) in catalogue.ROUTING.items():
        conn.execute(sa.text(
            "UPDATE incident_categories SET department = :d, triage = :t, working_time = :w"
            " WHERE code = :code"), {"code": code, "d": department, "t": triage, "w": working})
    conn.execute(sa.text("UPDATE incidents AS i SET department = k.department"
                         " FROM incident_categories AS k WHERE k.id = i.category_id"
                         " AND i.department IS NULL"))
    for code, parent, zh, en, hours, department, triage, working in catalogue.EXTRA:
        conn.execute(sa.text(
            "INSERT INTO incident_categories (code, parent_id, name_zh, name_en,"
            " time_limit_hours, department, triage, working_time)"
            " VALUES (:code, (SELECT id FROM incident_categories WHERE code = :parent),"
            " :zh, :en, :hours, :d, :t, :w) ON CONFLICT (code) DO NOTHING"),
            {"code": code, "parent": parent, "zh": zh, "en": en, "hours": hours,
             "d": department, "t": triage, "w": working})
    conn.execute(sa.text("UPDATE incident_categories SET open311_public = false"
                         " WHERE code = ANY(:codes)"), {"codes": list(catalogue.NOT_PUBLIC)})
    for code, attributes in catalogue.ATTRIBUTES.items():
        conn.execute(sa.text("UPDATE incident_categories SET open311_attributes ="
                             " CAST(:a AS jsonb) WHERE code = :code"),
                     {"code": code, "a": json.dumps(attributes, ensure_ascii=False)})
    for day, workday, note in calendar.package_exceptions():
        conn.execute(sa.text("INSERT INTO calendar_days (day, workday, note)"
                             " VALUES (:day, :workday, :note)"),
                     {"day": day, "workday": workday, "note": note})


def downgrade() -> None:
    # The categories added here stay (cases may refer to them; the old schema holds them).
    op.execute((SQL / "0022_incidents_downgrade.sql").read_text())
