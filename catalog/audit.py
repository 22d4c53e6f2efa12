"""Append-only audit log, hash-chained so that an edited or deleted entry shows.

Each entry stores the hash of the one before it and its own hash over its content plus that
link; a one-row head records the newest entry, so cutting entries off the end shows too. Appends
are serialised by locking the head row (SQLite: the write lock every transaction takes), so the
chain never forks.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.base import Base, UTCDateTime
from core.clock import utcnow

GENESIS = "0" * 64


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    office_code: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    owner_ref: Mapped[str | None] = mapped_column(String(12), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))
    """HMAC of ``hash`` under the audit key (kept with the secret key, not in the catalog); empty on
    entries written before the chain was keyed (see catalog/audit_chain.py)."""

    def content(self) -> str:
        return json.dumps(
            [self.at.isoformat(), self.actor, self.role, self.office_code, self.action, self.object_type,
             self.object_id, self.owner_ref, self.remote_addr, self.details, self.prev_hash],
            ensure_ascii=False, separators=(",", ":"),
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.content().encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who does something, and from where."""

    username: str
    role: str
    office_code: str | None
    remote_addr: str | None = None
    offices: frozenset[str] = frozenset()
    """Offices whose records this actor may change (catalog/scope.py); empty: their own only."""


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: str | None = None,
           owner_ref: str | None = None, **details) -> AuditEntry:
    """Append one entry in the caller's transaction: it commits or rolls back with the change."""
    head = session.get(AuditHead, 1, with_for_update=True)  # created by the migration
    entry = AuditEntry(at=utcnow(), actor=actor.username, role=actor.role, office_code=actor.office_code,
                       action=action, object_type=object_type, object_id=object_id, owner_ref=owner_ref,
                       remote_addr=actor.remote_addr,
                       details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
                       prev_hash=head.last_hash)
    entry.hash = entry.compute_hash()
    session.add(entry)
    session.flush()
    head.last_id, head.last_hash = entry.id, entry.hash
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None   # id of the first entry whose hash or link does not hold
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; any edited, inserted or deleted entry breaks it."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                    .order_by(AuditEntry.id).limit(batch)))
        if not rows:
            head = session.get(AuditHead, 1)
            if (head.last_hash if head else GENESIS) != prev:
                return ChainReport(count, last_id, "newest entries are missing (log cut short?)")
            return ChainReport(count, None, None)
        for entry in rows:
            if entry.prev_hash != prev:
                return ChainReport(count, entry.id, "link to the previous entry does not match (entry deleted?)")
            if entry.compute_hash() != entry.hash:
                return ChainReport(count, entry.id, "content does not match its hash (entry edited?)")
            prev = entry.hash
            count += 1
        last_id = rows[-1].id
