"""Worklists: the register's dossiers filtered the way a counter or a handler looks for them,
sorted by due date (or the late ones first), with the number of dossiers in each state.

"Overdue first" is two walks of the same (due date, id) order, the late dossiers and then the
others, stitched at the page that holds the seam: each page is an index range read with an
offset, never a sort of the whole worklist, and the order is total (the id breaks ties), so
consecutive pages neither repeat nor skip a dossier while nothing changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.deadlines import end_of_day
from catalog.models import Dossier, Owner
from catalog.register import RUNNING, Status
from core.clock import utcnow
from core.errors import Invalid

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000
"""Far past any register, and an offset every database holds."""
SORTS = ("due", "overdue_first")


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    assignee: str | None = None
    office: str | None = None
    overdue: bool | None = None
    due_before: date | None = None
    procedure: str | None = None
    q: str | None = None
    sort: str = "due"


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
    if f.overdue is True:
        stmt = stmt.where(_late(now))
    elif f.overdue is False:
        stmt = stmt.where(_on_time(now))
    if f.q:
        q = f.q.strip()
        owners = select(Owner.id).where(or_(Owner.personal_id == q, Owner.social_insurance_code == q))
        stmt = stmt.where(or_(Dossier.code.startswith(q, autoescape=True), Dossier.owner_id.in_(owners)))
    return stmt


def _late(now: datetime) -> ColumnElement[bool]:
    return and_(Dossier.status.in_(RUNNING), Dossier.due_at < now)


def _on_time(now: datetime) -> ColumnElement[bool]:
    """The complement of :func:`_late`, spelled out: ``NOT late`` would drop dossiers without a due date (SQL NULL)."""
    return or_(Dossier.status.not_in(RUNNING), Dossier.due_at.is_(None), Dossier.due_at >= now)


def _rows(session: Session, stmt: Select, offset: int, limit: int) -> list[Dossier]:
    if limit <= 0:
        return []
    return list(session.scalars(stmt.options(selectinload(Dossier.owner), selectinload(Dossier.procedure))
                                .order_by(Dossier.due_at, Dossier.id).offset(offset).limit(limit)))


def worklist(session: Session, f: Filters, *, page: int = 1, size: int = 50, now: datetime | None = None) -> Page:
    if f.status is not None and f.status not in Status.__members__:
        raise Invalid("unknown_status", f"Trạng thái '{f.status}' không có; chọn một trong: "
                                        f"{', '.join(Status.__members__)}.")
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid("invalid_page", f"Trang từ 1 đến {MAX_PAGE}, mỗi trang từ 1 đến {MAX_PAGE_SIZE} hồ sơ.")
    if f.sort not in SORTS:
        raise Invalid("unknown_sort", f"Cách sắp xếp '{f.sort}' không có; chọn một trong: {', '.join(SORTS)}.")
    now = now or utcnow()
    total = session.scalar(_where(select(func.count(Dossier.id)), f, now))
    offset = (page - 1) * size
    if f.sort == "due":
        rows = _rows(session, _where(select(Dossier), f, now), offset, size)
    else:
        late = session.scalar(_where(select(func.count(Dossier.id)), f, now).where(_late(now)))
        rows = _rows(session, _where(select(Dossier), f, now).where(_late(now)), offset, min(size, late - offset))
        rows += _rows(session, _where(select(Dossier), f, now).where(_on_time(now)), max(0, offset - late),
                      size - len(rows))
    counts = {s.value: 0 for s in Status}
    for status, n in session.execute(_where(select(Dossier.status, func.count(Dossier.id)), f, now,
                                            with_status=False).group_by(Dossier.status)):
        counts[status] = n
    return Page(rows, total, counts)
