"""reuse: owner merges and aliases, where a reused component came from, superseded results found fast

Revision ID: 0005_reuse
Revises: 0004 (and needs 0002's dossier_result)
"""
from alembic import op
import sqlalchemy as sa

import catalog.models

revision = "0005_reuse"
down_revision = "0004"
branch_labels = None
depends_on = "0002"

UTC = catalog.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("owner") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_owner_merged_into_id_owner", "owner", ["merged_into_id"], ["id"])

    op.create_table(
        "owner_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("merged_personal_id", sa.String(12), nullable=True),
        sa.Column("merged_social_insurance_code", sa.String(10), nullable=True),
        sa.Column("merged_full_name", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_by", sa.String(64), nullable=False),
        sa.Column("merged_at", UTC, nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["survivor_id"], ["owner.id"], name="fk_owner_merge_survivor_id_owner"),
        sa.ForeignKeyConstraint(["merged_id"], ["owner.id"], name="fk_owner_merge_merged_id_owner"),
        sa.PrimaryKeyConstraint("id", name="pk_owner_merge"),
    )
    op.create_index("ix_owner_merge_survivor_id", "owner_merge", ["survivor_id"])
    op.create_index("ix_owner_merge_merged_id", "owner_merge", ["merged_id"])

    op.create_table(
        "owner_alias",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"], name="fk_owner_alias_owner_id_owner"),
        sa.ForeignKeyConstraint(["merge_id"], ["owner_merge.id"], name="fk_owner_alias_merge_id_owner_merge"),
        sa.PrimaryKeyConstraint("code", name="pk_owner_alias"),
    )
    op.create_index("ix_owner_alias_owner_id", "owner_alias", ["owner_id"])

    with op.batch_alter_table("component") as batch:
        batch.add_column(sa.Column("source_dossier_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_kind", sa.String(16), nullable=True))
        batch.create_foreign_key("fk_component_source_dossier_id_dossier", "dossier", ["source_dossier_id"], ["id"])

    # "Is this paper superseded?" is asked for every reuse candidate.
    op.create_index("ix_dossier_result_replaces_document_id", "dossier_result", ["replaces_document_id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_result_replaces_document_id", table_name="dossier_result")
    with op.batch_alter_table("component") as batch:
        batch.drop_constraint("fk_component_source_dossier_id_dossier", type_="foreignkey")
        batch.drop_column("source_kind")
        batch.drop_column("source_dossier_id")
    op.drop_index("ix_owner_alias_owner_id", table_name="owner_alias")
    op.drop_table("owner_alias")
    op.drop_index("ix_owner_merge_merged_id", table_name="owner_merge")
    op.drop_index("ix_owner_merge_survivor_id", table_name="owner_merge")
    op.drop_table("owner_merge")
    with op.batch_alter_table("owner") as batch:
        batch.drop_constraint("fk_owner_merged_into_id_owner", type_="foreignkey")
        batch.drop_column("merged_into_id")
