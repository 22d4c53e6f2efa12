"""document warnings: what the counter should look at in a paper that was accepted

Revision ID: 0006_document_warnings
Revises: 0005_reuse
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_document_warnings"
down_revision = "0005_reuse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("warnings")
