"""reports: indexes the quarterly report reads the register through

Revision ID: 0011_reports
Revises: 0010_portal_sync
"""
from alembic import op

revision = "0011_reports"
down_revision = "0010_portal_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossier_received_at", "dossier", ["received_at"])
    op.create_index("ix_dossier_event_to_status_at", "dossier_event", ["to_status", "at"])
    op.create_index("ix_dossier_event_dossier_id_at", "dossier_event", ["dossier_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_event_dossier_id_at", table_name="dossier_event")
    op.drop_index("ix_dossier_event_to_status_at", table_name="dossier_event")
    op.drop_index("ix_dossier_received_at", table_name="dossier")
