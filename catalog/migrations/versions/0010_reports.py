"""reports: indexes the quarterly report reads the register through

Revision ID: 0010_reports
Revises: 0009_security
"""
from alembic import op

revision = "0010_reports"
down_revision = "0009_security"
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
