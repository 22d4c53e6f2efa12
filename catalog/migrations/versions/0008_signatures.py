"""signatures: the signed copy of a digitized paper and its last verification; pages' lowest resolution; fixity counts signature problems

Revision ID: 0008_signatures
Revises: 0007_register
"""
from alembic import op
import sqlalchemy as sa

import catalog.models

revision = "0008_signatures"
down_revision = "0007_register"
branch_labels = None
depends_on = None

UTC = catalog.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_signature",
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("earlier_keys", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("signer", sa.String(300), nullable=False),
        sa.Column("key_source", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("signed_by", sa.String(64), nullable=False),
        sa.Column("signed_at", UTC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("checked_at", UTC, nullable=False),
        sa.Column("checked_for", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], name="fk_document_signature_document_id_document"),
        sa.PrimaryKeyConstraint("document_id", name="pk_document_signature"),
    )
    op.create_index("ix_document_signature_status", "document_signature", ["status"])
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("min_dpi", sa.Float(), nullable=True))
    with op.batch_alter_table("fixity_run") as batch:
        batch.add_column(sa.Column("signature_problems", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("fixity_run") as batch:
        batch.drop_column("signature_problems")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("min_dpi")
    op.drop_index("ix_document_signature_status", table_name="document_signature")
    op.drop_table("document_signature")
