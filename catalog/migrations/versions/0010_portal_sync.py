"""portal sync: the outbox of dossier sync records, and components taken from the national data store

Revision ID: 0010_portal_sync
Revises: 0009_security
"""
from alembic import op
import sqlalchemy as sa

import catalog.base

revision = "0010_portal_sync"
down_revision = "0009_security"
branch_labels = None
depends_on = None

UTC = catalog.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(40), nullable=False),
        sa.Column("change", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name="fk_sync_outbox_dossier_id_dossier"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_sync_outbox_idempotency_key"),
    )
    op.create_index("ix_sync_outbox_status_next", "sync_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_sync_outbox_dossier_id", "sync_outbox", ["dossier_id", "id"])
    with op.batch_alter_table("component") as batch:
        batch.add_column(sa.Column("from_national_store", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("component") as batch:
        batch.drop_column("from_national_store")
    op.drop_index("ix_sync_outbox_dossier_id", table_name="sync_outbox")
    op.drop_index("ix_sync_outbox_status_next", table_name="sync_outbox")
    op.drop_table("sync_outbox")
