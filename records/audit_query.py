"""Reading the audit log: by owner, user, action, object and date range, newest first, page by page.

Pages are cut by entry id (``before``), not by offset, so paging stays fast on a log of millions
of entries and a page does not shift while new entries are appended.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import AuditEntry
from core.clock import LOCAL_TZ
from core.errors import Invalid


@dataclass(frozen=True)
class AuditFilter:
    owner: str | None = None
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None   # local days (Asia/Ho_Chi_Minh), inclusive
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def query_audit(session: Session, where: AuditFilter, *, before: int | None = None,
                limit: int = 50) -> tuple[list[AuditEntry], int | None]:
    """A page of entries, newest first, and the ``before`` value of the next page (None at the end)."""
    if where.date_from and where.date_to and where.date_from > where.date_to:
        raise Invalid("invalid_date_range", "Ngày bắt đầu sau ngày kết thúc.")
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    for column, value in ((AuditEntry.owner_ref, where.owner), (AuditEntry.actor, where.actor),
                          (AuditEntry.action, where.action), (AuditEntry.object_type, where.object_type),
                          (AuditEntry.object_id, where.object_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if where.date_from:
        stmt = stmt.where(AuditEntry.at >= _start_of(where.date_from))
    if where.date_to:
        stmt = stmt.where(AuditEntry.at < _start_of(where.date_to + timedelta(days=1)))
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)
