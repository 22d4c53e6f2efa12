"""register: dossier lifecycle (version, assignee, paused clock, history), holiday calendar,
apology letters, and the procedures' internal steps

Revision ID: 0007_register
Revises: 0006_document_warnings
"""
from alembic import op
import sqlalchemy as sa

import catalog.models

revision = "0007_register"
down_revision = "0006_document_warnings"
branch_labels = None
depends_on = None

UTC = catalog.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("received_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("assignee", sa.String(64), nullable=True))
        batch.add_column(sa.Column("department", sa.String(32), nullable=True))
        batch.add_column(sa.Column("paused_at", UTC, nullable=True))
        batch.add_column(sa.Column("remaining_days", sa.Integer(), nullable=True))
    # Worklists (by office, by handler, overdue) filter by state, count per state, sort by due date.
    op.create_index("ix_dossier_status_due_at", "dossier", ["status", "due_at"])
    op.create_index("ix_dossier_office_status_due_at", "dossier", ["office_code", "status", "due_at"])
    op.create_index("ix_dossier_assignee_status_due_at", "dossier", ["assignee", "status", "due_at"])

    with op.batch_alter_table("catalog_procedure") as batch:
        batch.add_column(sa.Column("steps", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("hand_over_resolves", sa.Boolean(), nullable=False, server_default="0"))

    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("imported_at", UTC, nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("year", name="pk_calendar_year"),
    )
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["year"], ["calendar_year.year"], name="fk_calendar_day_year_calendar_year",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_day"),
    )
    op.create_index("ix_calendar_day_year", "calendar_day", ["year"])

    op.create_table(
        "dossier_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=False),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("due_at", UTC, nullable=True),
        sa.Column("paper", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name="fk_dossier_event_dossier_id_dossier"),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_event"),
    )
    op.create_index("ix_dossier_event_dossier_id", "dossier_event", ["dossier_id"])

    op.create_table(
        "apology_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_due_at", UTC, nullable=False),
        sa.Column("new_due_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("office_code", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name="fk_apology_letter_dossier_id_dossier"),
        sa.PrimaryKeyConstraint("id", name="pk_apology_letter"),
        sa.UniqueConstraint("dossier_id", "number", name="uq_apology_letter_dossier_id"),
    )
    op.create_index("ix_apology_letter_dossier_id", "apology_letter", ["dossier_id"])
    op.create_index("ix_apology_letter_created_at", "apology_letter", ["created_at"])


def downgrade() -> None:
    op.drop_table("apology_letter")
    op.drop_table("dossier_event")
    op.drop_table("calendar_day")
    op.drop_table("calendar_year")
    with op.batch_alter_table("catalog_procedure") as batch:
        batch.drop_column("hand_over_resolves")
        batch.drop_column("steps")
    op.drop_index("ix_dossier_assignee_status_due_at", table_name="dossier")
    op.drop_index("ix_dossier_office_status_due_at", table_name="dossier")
    op.drop_index("ix_dossier_status_due_at", table_name="dossier")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("remaining_days")
        batch.drop_column("paused_at")
        batch.drop_column("department")
        batch.drop_column("assignee")
        batch.drop_column("received_by")
        batch.drop_column("version")
