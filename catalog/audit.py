"""Append-only audit log, hash-chained so that an edited or deleted entry shows, keyed and
checkpointed outside the catalog so that a recomputed chain shows too (catalog/audit_chain.py).

Each entry stores the hash of the one before it and its own hash over its content plus that
link; a one-row head records the newest entry, so cutting entries off the end shows too. Appends
are serialised by locking the head row (SQLite: the write lock every transaction takes), so the
chain never forks.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import platform
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.audit_chain import Checkpoint, entry_mac
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
    key = session.info.get("audit_key")  # set by catalog.db.Database for the service's sessions
    if key is not None:
        entry.mac = entry_mac(key, entry.hash)
    session.add(entry)
    session.flush()
    head.last_id, head.last_hash = entry.id, entry.hash
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None   # id of the first entry whose hash, link, mac or checkpoint does not hold
    reason: str | None
    legacy: int = 0         # entries from before the chain was keyed, verified by their SHA-256 links only
    checkpoints: int = 0    # checkpoints the log was compared with

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def chain_state(session: Session) -> Checkpoint:
    """Where the log stands now, for a checkpoint (taken under the head's lock, so no append is half-counted)."""
    head = session.get(AuditHead, 1, with_for_update=True)
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= head.last_id))
    keyed_from = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.mac.is_not(None)))
    return Checkpoint(at=utcnow(), count=count, last_id=head.last_id, head=head.last_hash, keyed_from=keyed_from,
                      node=platform.node())


def verify(session: Session, key: bytes | None = None, checkpoints: Iterable[Checkpoint] = (),
           batch: int = 5000) -> ChainReport:
    """Walk the chain in order; any edited, inserted or deleted entry breaks it. With the audit
    key, every entry from the first keyed one on must carry a valid mac; with checkpoints, the log
    must still hold each checkpoint's entry, hash and count (catalog/audit_chain.py)."""
    marks: dict[int, list[Checkpoint]] = {}
    for c in checkpoints:
        marks.setdefault(c.last_id, []).append(c)
    pending = sorted(i for i in marks if i > 0)
    walk = _Walk(key, marks, pending)
    last_id = 0
    while True:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                    .order_by(AuditEntry.id).limit(batch)))
        if not rows:
            break
        for entry in rows:
            if (problem := walk.step(entry)) is not None:
                return walk.report(entry.id, problem)
        last_id = rows[-1].id
    if walk.pending:
        newest = max(marks[walk.pending[-1]], key=lambda c: c.count)
        return walk.report(walk.pending[0], f"log cut short: it ends at entry {last_id}, the checkpoint of "
                                            f"{newest.at:%Y-%m-%d %H:%M} recorded {newest.count} entries up to "
                                            f"{newest.last_id} (truncated)")
    head = session.get(AuditHead, 1)
    if (head.last_hash if head else GENESIS) != walk.prev:
        return walk.report(last_id, "newest entries are missing (log cut short?)")
    return walk.report(None, None)


class _Walk:
    """The state of one verification pass over the log."""

    def __init__(self, key: bytes | None, marks: dict[int, list[Checkpoint]], pending: list[int]) -> None:
        self.key, self.marks, self.pending = key, marks, pending
        self.prev, self.count, self.legacy, self.keyed = GENESIS, 0, 0, False

    def step(self, entry: AuditEntry) -> str | None:
        if self.pending and self.pending[0] < entry.id:
            c = self.marks[self.pending[0]][0]
            return f"entry {c.last_id} recorded by the checkpoint of {c.at:%Y-%m-%d %H:%M} is missing (deleted)"
        if entry.prev_hash != self.prev:
            return "link to the previous entry does not match (entry deleted?)"
        if entry.compute_hash() != entry.hash:
            return "content does not match its hash (entry edited?)"
        if self.key is not None:
            if entry.mac is None:
                if self.keyed:
                    return "entry without a keyed hash after keyed ones (written without the key, or re-chained)"
                self.legacy += 1
            elif not hmac.compare_digest(entry.mac, entry_mac(self.key, entry.hash)):
                return "keyed hash does not match (entry re-chained or forged without the key)"
            else:
                self.keyed = True
        self.prev = entry.hash
        self.count += 1
        if self.pending and self.pending[0] == entry.id:
            self.pending.pop(0)
            for c in self.marks[entry.id]:
                when = f"{c.at:%Y-%m-%d %H:%M}"
                if c.head != entry.hash:
                    return f"entry differs from the checkpoint of {when} (log re-chained)"
                if c.count != self.count:
                    return (f"{c.count - self.count} entries up to this one are missing since the checkpoint "
                            f"of {when} (deleted)")
        return None

    def report(self, broken_at: int | None, reason: str | None) -> ChainReport:
        checked = sum(len(v) for v in self.marks.values())
        return ChainReport(self.count, broken_at, reason, legacy=self.legacy, checkpoints=checked)
