"""linked dossiers: whether a dossier is handled under the interconnected one-stop mechanism (một
cửa liên thông), which Appendix II counts apart (columns 13-16)

Revision ID: 0013_linked_dossiers
Revises: 0012_worklist_order
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_linked_dossiers"
down_revision = "0012_worklist_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("linked", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("linked")
