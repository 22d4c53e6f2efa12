"""Tables of the national portal sync: the outbox of sync records waiting to be delivered.

Every status change of a dossier writes one row in the same transaction as the change
(catalog/outbox.py), so a change the catalog knows is never lost before the portal hears of it.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.base import Base, UTCDateTime
from core.clock import utcnow


class OutboxStatus(str, enum.Enum):
    pending = "pending"   # not yet tried
    failed = "failed"     # tried, will be tried again at next_attempt_at
    sent = "sent"         # the portal answered 2xx
    dead = "dead"         # given up after the last attempt (or refused for good); an admin may re-queue it


UNSENT = (OutboxStatus.pending.value, OutboxStatus.failed.value)


class SyncOutbox(Base):
    """One sync record of one dossier change, waiting for (or done with) delivery to the portal."""

    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_status_next", "status", "next_attempt_at"),
                      Index("ix_sync_outbox_dossier_id", "dossier_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    dossier_code: Mapped[str] = mapped_column(String(40))
    change: Mapped[str] = mapped_column(String(64))
    """What changed: ``received``, ``event:<dossier_event id>``, ``apology:<letter id>`` (a new
    appointment), ``result:<id>:attached|handed_over``."""
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    """Stable per dossier and change: a record delivered twice carries the same key both times."""
    payload: Mapped[dict | None] = mapped_column(JSON)
    """The sync record as it stood right after the change (catalog/portal_record.py); emptied once
    sent: the portal has it, and the archive keeps no second copy of the personal data in it."""
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200))
    """Why the last delivery failed (``http_503``, ``timeout``...): never the record or the answer's body."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """A sender holds the row until then; a sender that died lets it go when the time passes."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
