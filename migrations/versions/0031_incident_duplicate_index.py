"""An index on incidents.duplicate_of, the self-referencing foreign key.

Deleting an incident (or changing its id) makes the foreign key look for incidents that
name it as their original: `SELECT 1 FROM ONLY incidents WHERE duplicate_of = $1 FOR KEY
SHARE`, once per deleted row. Without an index that is a scan of the whole table per row
(bench/dispatch_sweep.py's cleanup of 100,000 cases took hours); with it, a probe. Partial:
only duplicates have the column set, and the lookup's `=` implies IS NOT NULL, so the
planner uses it for the key check and for "the duplicates of case X" alike. Plain CREATE
INDEX (CONCURRENTLY cannot run inside the migration's transaction): writes to incidents
wait while it is built.

Revision ID: 0031_incident_duplicate_index
Revises: 0027_rollup_deltas
"""
from alembic import op

revision = "0031_incident_duplicate_index"
down_revision = "0027_rollup_deltas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX incidents_duplicate_of_idx ON incidents (duplicate_of) "
               "WHERE duplicate_of IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX incidents_duplicate_of_idx")
