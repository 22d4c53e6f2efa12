"""Worklists: the register's dossiers filtered the way a counter or a handler looks for them,
sorted by due date, with the number of dossiers in each state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.deadlines import end_of_day
from catalog.models import Dossier, Owner
from catalog.register import RUNNING, Status
from core.clock import utcnow
from core.errors import Invalid

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    assignee: str | None = None
    office: str | None = None
    overdue: bool | None = None
    due_before: date | None = None
    procedure: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class Page:
    dossiers: list[Dossier]
    total: int
    counts: dict[str, int]


def _where(stmt: Select, f: Filters, now: datetime, with_status: bool = True) -> Select:
    if with_status and f.status:
        stmt = stmt.where(Dossier.status == f.status)
    if f.assignee:
        stmt = stmt.where(Dossier.assignee == f.assignee)
    if f.office:
        stmt = stmt.where(Dossier.office_code == f.office)
    if f.procedure:
        stmt = stmt.where(Dossier.procedure_code == f.procedure)
    if f.due_before:
        stmt = stmt.where(Dossier.due_at <= end_of_day(f.due_before))
    late = and_(Dossier.status.in_(RUNNING), Dossier.due_at < now)
    if f.overdue is True:
        stmt = stmt.where(late)
    elif f.overdue is False:
        stmt = stmt.where(~late)
    if f.q:
        q = f.q.strip()
        owners = select(Owner.id).where(or_(Owner.personal_id == q, Owner.social_insurance_code == q))
        stmt = stmt.where(or_(Dossier.code.startswith(q, autoescape=True), Dossier.owner_id.in_(owners)))
    return stmt


def worklist(session: Session, f: Filters, *, page: int = 1, size: int = 50, now: datetime | None = None) -> Page:
    if f.status is not None and f.status not in Status.__members__:
        raise Invalid("unknown_status", f"Trạng thái '{f.status}' không có; chọn một trong: "
                                        f"{', '.join(Status.__members__)}.")
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid("invalid_page", f"Trang bắt đầu từ 1, mỗi trang từ 1 đến {MAX_PAGE_SIZE} hồ sơ.")
    now = now or utcnow()
    total = session.scalar(_where(select(func.count(Dossier.id)), f, now))
    rows = list(session.scalars(
        _where(select(Dossier), f, now).options(selectinload(Dossier.owner), selectinload(Dossier.procedure))
        .order_by(Dossier.due_at, Dossier.id).offset((page - 1) * size).limit(size)))
    counts = {s.value: 0 for s in Status}
    for status, n in session.execute(_where(select(Dossier.status, func.count(Dossier.id)), f, now,
                                            with_status=False).group_by(Dossier.status)):
        counts[status] = n
    return Page(rows, total, counts)
