"""security: office provinces and user scopes, token versions, lockouts, API key expiry, keyed audit entries

Revision ID: 0009_security
Revises: 0008_signatures
"""
from alembic import op
import sqlalchemy as sa

import catalog.base

revision = "0009_security"
down_revision = "0008_signatures"
branch_labels = None
depends_on = None

UTC = catalog.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("office") as batch:
        batch.add_column(sa.Column("province_code", sa.String(32), nullable=True))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="office"))
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", UTC, nullable=True))
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("expires_at", UTC, nullable=True))
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("token_version")
        batch.drop_column("scope")
    with op.batch_alter_table("office") as batch:
        batch.drop_column("province_code")
