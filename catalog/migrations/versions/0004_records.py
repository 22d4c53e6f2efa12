"""records management: retention rules, legal holds, disposal batches and tombstones, fixity

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

import catalog.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = catalog.models.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    ref_table, ref_column = target.split(".")
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{ref_table}", ondelete=ondelete)


def upgrade() -> None:
    with op.batch_alter_table("owner") as batch:
        batch.add_column(sa.Column("died_on", sa.Date(), nullable=True))

    op.create_table(
        "retention_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_type_code", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(32), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_rule"),
        sa.UniqueConstraint("document_type_code", "version", name="uq_retention_rule_document_type_code"),
    )
    op.create_index("ix_retention_rule_document_type_code", "retention_rule", ["document_type_code"])

    op.create_table(
        "retention_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("by_type", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_review"),
    )
    op.create_index("ix_retention_review_at", "retention_review", ["at"])

    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.String(32), nullable=True),
        sa.Column("target_ref", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(64), nullable=False),
        sa.Column("placed_at", UTC, nullable=False),
        sa.Column("released_by", sa.String(64), nullable=True),
        sa.Column("released_at", UTC, nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        _fk("legal_hold", "owner_id", "owner.id"),
        _fk("legal_hold", "dossier_id", "dossier.id"),
        _fk("legal_hold", "document_id", "document.id"),
        sa.PrimaryKeyConstraint("id", name="pk_legal_hold"),
    )
    for column in ("owner_id", "dossier_id", "document_id", "released_at"):
        op.create_index(f"ix_legal_hold_{column}", "legal_hold", [column])

    op.create_table(
        "disposal_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("executed_by", sa.String(64), nullable=True),
        sa.Column("execution_started_at", UTC, nullable=True),
        sa.Column("completed_at", UTC, nullable=True),
        sa.Column("certificate_json_key", sa.String(255), nullable=True),
        sa.Column("certificate_json_sha256", sa.String(64), nullable=True),
        sa.Column("certificate_pdf_key", sa.String(255), nullable=True),
        sa.Column("certificate_pdf_sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_disposal_batch"),
        sa.UniqueConstraint("code", name="uq_disposal_batch_code"),
    )
    op.create_index("ix_disposal_batch_state", "disposal_batch", ["state"])

    op.create_table(
        "disposal_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("object_keys", sa.JSON(), nullable=True),
        sa.Column("done_at", UTC, nullable=True),
        _fk("disposal_item", "batch_id", "disposal_batch.id"),
        _fk("disposal_item", "document_id", "document.id"),
        _fk("disposal_item", "rule_id", "retention_rule.id"),
        sa.PrimaryKeyConstraint("id", name="pk_disposal_item"),
        sa.UniqueConstraint("batch_id", "document_id", name="uq_disposal_item_batch_id"),
    )
    op.create_index("ix_disposal_item_batch_id", "disposal_item", ["batch_id"])
    op.create_index("ix_disposal_item_document_id", "disposal_item", ["document_id"])

    op.create_table(
        "tombstone",
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("disposed_at", UTC, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("document_type_code", sa.String(32), nullable=True),
        sa.Column("digitization_code", sa.String(80), nullable=True),
        sa.Column("owner_ref", sa.String(12), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        _fk("tombstone", "document_id", "document.id"),
        _fk("tombstone", "batch_id", "disposal_batch.id"),
        _fk("tombstone", "rule_id", "retention_rule.id"),
        sa.PrimaryKeyConstraint("document_id", name="pk_tombstone"),
    )
    op.create_index("ix_tombstone_batch_id", "tombstone", ["batch_id"])
    op.create_index("ix_tombstone_owner_ref", "tombstone", ["owner_ref"])

    op.create_table(
        "object_checksum",
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_object_checksum"),
    )

    op.create_table(
        "fixity_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=True),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("heartbeat_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("objects_checked", sa.Integer(), nullable=False),
        sa.Column("bytes_checked", sa.BigInteger(), nullable=False),
        sa.Column("baselines_recorded", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("altered", sa.Integer(), nullable=False),
        sa.Column("orphans", sa.Integer(), nullable=False),
        sa.Column("unreadable", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_fixity_run"),
    )
    op.create_index("ix_fixity_run_started_at", "fixity_run", ["started_at"])
    op.create_index("ix_fixity_run_state", "fixity_run", ["state"])

    op.create_table(
        "fixity_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("problem", sa.String(16), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=True),
        sa.Column("expected_sha256", sa.String(64), nullable=True),
        sa.Column("actual_sha256", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        _fk("fixity_issue", "run_id", "fixity_run.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_fixity_issue"),
    )
    op.create_index("ix_fixity_issue_run_id", "fixity_issue", ["run_id"])
    op.create_index("ix_fixity_issue_document_id", "fixity_issue", ["document_id"])


def downgrade() -> None:
    for table in ("fixity_issue", "fixity_run", "object_checksum", "tombstone", "disposal_item", "disposal_batch",
                  "legal_hold", "retention_review", "retention_rule"):
        op.drop_table(table)
    with op.batch_alter_table("owner") as batch:
        batch.drop_column("died_on")
