"""Circular 01/2023 coding: versioned catalogs, classifier models, results, the digitized-paper record

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

import catalog.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = catalog.models.UTCDateTime(timezone=True)


def _version_fk(table: str) -> sa.Column:
    return sa.Column("version_id", sa.Integer(), sa.ForeignKey("catalog_version.id", ondelete="CASCADE",
                                                               name=f"fk_{table}_version_id_catalog_version"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(500)),
        sa.Column("note", sa.Text()),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_version"),
        sa.UniqueConstraint("label", name="uq_catalog_version_label"),
    )
    op.create_index("ix_catalog_version_effective_from", "catalog_version", ["effective_from"])
    op.create_table(
        "catalog_pattern", _version_fk("catalog_pattern"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("regex", sa.Text(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.PrimaryKeyConstraint("version_id", "kind", name="pk_catalog_pattern"),
    )
    op.create_table(
        "catalog_province", _version_fk("catalog_province"),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "code", name="pk_catalog_province"),
    )
    op.create_table(
        "catalog_document_type", _version_fk("catalog_document_type"),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("group", sa.String(100)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("issuer_symbol", sa.String(16), nullable=False),
        sa.Column("validity", sa.String(16), nullable=False),
        sa.Column("certified_copy_months", sa.Integer(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("exemplar", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "code", name="pk_catalog_document_type"),
    )
    op.create_table(
        "catalog_procedure", _version_fk("catalog_procedure"),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("sector", sa.String(200)),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "code", name="pk_catalog_procedure"),
    )
    op.create_table(
        "catalog_component", _version_fk("catalog_component"),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("procedure_code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("document_type_code", sa.String(32), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("reusable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "code", name="pk_catalog_component"),
    )
    op.create_table(
        "catalog_result", _version_fk("catalog_result"),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("procedure_code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("document_type_code", sa.String(32), nullable=False),
        sa.Column("validity", sa.String(16), nullable=False),
        sa.Column("replaces", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "code", name="pk_catalog_result"),
    )
    op.create_table(
        "classifier_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("catalog_version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("library_version", sa.String(32), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("confirmed_documents", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(64)),
        sa.ForeignKeyConstraint(["catalog_version_id"], ["catalog_version.id"],
                                name="fk_classifier_model_catalog_version_id_catalog_version"),
        sa.PrimaryKeyConstraint("id", name="pk_classifier_model"),
    )
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="component"))
        batch.add_column(sa.Column("parent_id", sa.String(32)))
        batch.add_column(sa.Column("digitization_code", sa.String(80)))
        batch.add_column(sa.Column("catalog_version_id", sa.Integer()))
        batch.add_column(sa.Column("type_status", sa.String(16)))
        batch.add_column(sa.Column("type_confidence", sa.Float()))
        batch.add_column(sa.Column("type_confirmed_by", sa.String(64)))
        batch.add_column(sa.Column("type_confirmed_at", UTC))
        batch.add_column(sa.Column("classification", sa.JSON()))
        batch.add_column(sa.Column("fields", sa.JSON()))
        batch.add_column(sa.Column("national_store_code", sa.String(64)))
        batch.add_column(sa.Column("procedure_code", sa.String(32)))
        batch.add_column(sa.Column("sector", sa.String(200)))
        batch.add_column(sa.Column("document_number", sa.String(64)))
        batch.add_column(sa.Column("issue_date", sa.Date()))
        batch.add_column(sa.Column("issuing_agency", sa.String(300)))
        batch.add_column(sa.Column("issuer_symbol", sa.String(16)))
        batch.add_column(sa.Column("signer", sa.String(200)))
        batch.add_column(sa.Column("abstract", sa.Text()))
        batch.add_column(sa.Column("owner_name", sa.String(200)))
        batch.add_column(sa.Column("owner_code", sa.String(12)))
        batch.add_column(sa.Column("valid_until", sa.Date()))
        batch.add_column(sa.Column("permanent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("validity_scope", sa.String(200)))
        batch.add_column(sa.Column("certified_copy", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("digitized_by", sa.String(64)))
        batch.add_column(sa.Column("digitized_at", UTC))
        batch.add_column(sa.Column("review_status", sa.String(16), nullable=False, server_default="pending"))
        batch.add_column(sa.Column("reviewed_by", sa.String(64)))
        batch.add_column(sa.Column("reviewed_at", UTC))
        batch.add_column(sa.Column("review_note", sa.Text()))
        batch.create_unique_constraint("uq_document_digitization_code", ["digitization_code"])
        batch.create_foreign_key("fk_document_parent_id_document", "document", ["parent_id"], ["id"])
        batch.create_foreign_key("fk_document_catalog_version_id_catalog_version", "catalog_version",
                                 ["catalog_version_id"], ["id"])
        batch.create_index("ix_document_parent_id", ["parent_id"])
        batch.create_index("ix_document_review_status", ["review_status"])
    op.create_table(
        "dossier_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("result_code", sa.String(40), nullable=False),
        sa.Column("replaces_document_id", sa.String(32)),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(64)),
        sa.Column("handed_over_at", UTC),
        sa.Column("handed_over_by", sa.String(64)),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name="fk_dossier_result_dossier_id_dossier"),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], name="fk_dossier_result_document_id_document"),
        sa.ForeignKeyConstraint(["replaces_document_id"], ["document.id"],
                                name="fk_dossier_result_replaces_document_id_document"),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_result"),
        sa.UniqueConstraint("document_id", name="uq_dossier_result_document_id"),
    )
    op.create_index("ix_dossier_result_dossier_id", "dossier_result", ["dossier_id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_result_dossier_id", "dossier_result")
    op.drop_table("dossier_result")
    with op.batch_alter_table("document") as batch:
        batch.drop_index("ix_document_review_status")
        batch.drop_index("ix_document_parent_id")
        batch.drop_constraint("fk_document_catalog_version_id_catalog_version", type_="foreignkey")
        batch.drop_constraint("fk_document_parent_id_document", type_="foreignkey")
        batch.drop_constraint("uq_document_digitization_code", type_="unique")
        for name in ("review_note", "reviewed_at", "reviewed_by", "review_status", "digitized_at", "digitized_by",
                     "certified_copy", "validity_scope", "permanent", "valid_until", "owner_code", "owner_name",
                     "abstract", "signer", "issuer_symbol", "issuing_agency", "issue_date", "document_number",
                     "sector", "procedure_code", "national_store_code", "fields", "classification",
                     "type_confirmed_at", "type_confirmed_by", "type_confidence", "type_status",
                     "catalog_version_id", "digitization_code", "parent_id", "kind"):
            batch.drop_column(name)
    op.drop_table("classifier_model")
    for table in ("catalog_result", "catalog_component", "catalog_procedure", "catalog_document_type",
                  "catalog_province", "catalog_pattern"):
        op.drop_table(table)
    op.drop_index("ix_catalog_version_effective_from", "catalog_version")
    op.drop_table("catalog_version")
