"""worklist order: an index in the worklists' sort order (due date, then id), so that a page of
the overdue-first worklist is read off the index instead of sorting every dossier

Revision ID: 0012_worklist_order
Revises: 0011_reports
"""
from alembic import op

revision = "0012_worklist_order"
down_revision = "0011_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossier_due_at_id", "dossier", ["due_at", "id", "status"])


def downgrade() -> None:
    op.drop_index("ix_dossier_due_at_id", table_name="dossier")
