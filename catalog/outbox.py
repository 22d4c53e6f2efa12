"""The outbox of sync records: written with each dossier change, drained by the sender.

:func:`enqueue` runs inside the transaction that changes the dossier, so the record is stored
exactly when the change is. A sender takes rows with :func:`claim` (a claim column plus, on
PostgreSQL, ``FOR UPDATE SKIP LOCKED``: several senders never take the same row), delivers them
outside any transaction, and settles each with :func:`settle`, which only touches a row it still
holds. Records of one dossier go out in the order of its changes: a row waits while an earlier
row of its dossier is neither sent nor dead.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from catalog.audit import Actor, record
from catalog.models import Dossier
from catalog.portal_models import UNSENT, OutboxStatus, SyncOutbox
from catalog.portal_record import sync_record
from core.clock import utcnow
from core.errors import Conflict, NotFound

MAX_BACKOFF_S = 86400.0


def idempotency_key(dossier: Dossier, change: str) -> str:
    """Stable per dossier and change: every delivery of one record carries the same key."""
    return f"sohoa:{dossier.code}:{change}"


def enqueue(session: Session, dossier: Dossier, change: str) -> SyncOutbox:
    """Write the dossier's sync record as it stands now, its file links relative (the sender
    starts them with settings.public_url when it delivers)."""
    session.flush()
    row = SyncOutbox(dossier_id=dossier.id, dossier_code=dossier.code, change=change,
                     idempotency_key=idempotency_key(dossier, change),
                     payload=sync_record(session, dossier),
                     status=OutboxStatus.pending.value, attempts=0, next_attempt_at=utcnow())
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Claimed:
    id: int
    idempotency_key: str
    payload: dict
    attempts: int


def claim(session: Session, *, limit: int, lease: timedelta, now: datetime | None = None,
          due_by: datetime | None = None, sender: str | None = None) -> tuple[str, list[Claimed]]:
    """Take up to ``limit`` rows due by ``due_by`` (default now) for this sender until ``now +
    lease``; commit right after."""
    now = now or utcnow()
    due_by = due_by or now
    sender = sender or uuid.uuid4().hex
    earlier = aliased(SyncOutbox)
    waiting_behind = exists().where(earlier.dossier_id == SyncOutbox.dossier_id, earlier.id < SyncOutbox.id,
                                    earlier.status.in_(UNSENT))
    due = (select(SyncOutbox.id)
           .where(SyncOutbox.status.in_(UNSENT), SyncOutbox.next_attempt_at <= due_by,
                  or_(SyncOutbox.claimed_until.is_(None), SyncOutbox.claimed_until < now), ~waiting_behind)
           .order_by(SyncOutbox.id).limit(limit).with_for_update(skip_locked=True, of=SyncOutbox))
    ids = list(session.scalars(due))
    if not ids:
        return sender, []
    session.execute(update(SyncOutbox).where(SyncOutbox.id.in_(ids), or_(SyncOutbox.claimed_until.is_(None),
                                                                         SyncOutbox.claimed_until < now))
                    .values(claimed_by=sender, claimed_until=now + lease).execution_options(synchronize_session=False))
    rows = session.execute(select(SyncOutbox.id, SyncOutbox.idempotency_key, SyncOutbox.payload, SyncOutbox.attempts)
                           .where(SyncOutbox.id.in_(ids), SyncOutbox.claimed_by == sender)
                           .order_by(SyncOutbox.id)).all()
    return sender, [Claimed(*row) for row in rows]


def backoff(first_s: float, attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: first_s, 2·first_s, 4·first_s, ... at most a day."""
    return timedelta(seconds=min(first_s * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


def settle(session: Session, row_id: int, sender: str, *, error: str | None, final: bool = False,
           max_attempts: int, backoff_s: float, now: datetime | None = None) -> str | None:
    """Record one delivery: ``error`` None is sent; otherwise failed (tried again later) or dead
    after ``max_attempts`` or when ``final`` (the portal refused the record for good). Returns
    the row's new status, or None when this sender no longer holds it."""
    now = now or utcnow()
    row = session.scalars(select(SyncOutbox).where(SyncOutbox.id == row_id, SyncOutbox.claimed_by == sender)
                          .with_for_update()).first()
    if row is None or row.status not in UNSENT:
        return None
    row.attempts += 1
    row.claimed_by, row.claimed_until = None, None
    if error is None:
        row.status, row.sent_at, row.last_error = OutboxStatus.sent.value, now, None
        row.payload = None  # the portal has it now
    else:
        row.last_error = error[:200]
        if final or row.attempts >= max_attempts:
            row.status = OutboxStatus.dead.value
        else:
            row.status = OutboxStatus.failed.value
            row.next_attempt_at = now + backoff(backoff_s, row.attempts)
    return row.status


def requeue(session: Session, row_id: int, actor: Actor) -> SyncOutbox:
    """An admin sends a dead record again: pending, attempts from zero, due now."""
    row = session.get(SyncOutbox, row_id, with_for_update=True)
    if row is None:
        raise NotFound("outbox_row_not_found", f"Không có bản ghi đồng bộ số {row_id}.")
    if row.status != OutboxStatus.dead.value:
        raise Conflict("outbox_row_not_dead", "Chỉ gửi lại được bản ghi đồng bộ đã dừng gửi (dead).")
    row.status, row.attempts, row.next_attempt_at, row.claimed_by, row.claimed_until = (
        OutboxStatus.pending.value, 0, utcnow(), None, None)
    record(session, actor, "sync_outbox.requeue", "dossier", row.dossier_code, None, outbox_id=row.id,
           change=row.change)
    return row


def counts(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(SyncOutbox.status, func.count()).group_by(SyncOutbox.status)).all())
    return {s.value: found.get(s.value, 0) for s in OutboxStatus}


def backlog(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SyncOutbox).where(SyncOutbox.status.in_(UNSENT))) or 0


def rows(session: Session, statuses: Sequence[str] | None = None, *, limit: int = 100,
         offset: int = 0) -> list[SyncOutbox]:
    """Newest first (the admin list; it shows no payload, which carries personal data)."""
    stmt = select(SyncOutbox).order_by(SyncOutbox.id.desc()).limit(limit).offset(offset)
    if statuses:
        stmt = stmt.where(SyncOutbox.status.in_(list(statuses)))
    return list(session.scalars(stmt))
